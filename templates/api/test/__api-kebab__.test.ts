import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cria/testing';
import { describe__ApiName__Contract } from '../src/__api-kebab__-contract.js';
import { Memory__ApiName__Provider } from '../src/__api-kebab__-memory.js';
import type { __ApiName__Item, __ApiName__ItemList } from '../src/__api-kebab__-schemas.js';

// The API's own contract, run against its inline::memory provider through a real server. The
// server finds the API and the provider by this package's `cria` field and loads its build.
describe__ApiName__Contract('inline::memory', async () => {
  const server = await startTestServer({
    distribution: { providers: { __api_name__: [{ provider_id: 'memory', provider_type: 'inline::memory', config: {} }] } },
  });
  return { url: server.url, close: () => server.close() };
});

describe('the __api_name__ router', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      distribution: {
        providers: {
          __api_name__: [
            { provider_id: 'first', provider_type: 'inline::memory', config: {} },
            { provider_id: 'second', provider_type: 'inline::memory', config: {} },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = async (body: unknown) => fetch(`${server.url}/v1/__api-kebab__/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('keeps an item with the provider its request names and finds it there', async () => {
    const item = (await (await post({ content: 'kept by the second', provider_id: 'second' })).json()) as __ApiName__Item;
    const fetched = await fetch(`${server.url}/v1/__api-kebab__/items/${item.id}`);
    expect(await fetched.json()).toEqual(item);
    const list = (await (await fetch(`${server.url}/v1/__api-kebab__/items`)).json()) as __ApiName__ItemList;
    expect(list.data.map((listed) => listed.id)).toContain(item.id);
  });

  it('refuses a provider_id the distribution does not have', async () => {
    const refused = await post({ content: 'lost', provider_id: 'third' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { param: 'provider_id' } });
  });
});

describe('inline::memory', () => {
  it('keeps at most max_items, dropping the oldest', async () => {
    const memory = new Memory__ApiName__Provider({ max_items: 2 });
    const first = await memory.createItem({ content: 'one' });
    await memory.createItem({ content: 'two' });
    await memory.createItem({ content: 'three' });
    expect((await memory.listItems({ limit: 10 })).map((item) => item.content)).toEqual(['three', 'two']);
    await expect(memory.getItem(first.id)).rejects.toMatchObject({ kind: 'not_found', param: 'item_id' });
  });
});
