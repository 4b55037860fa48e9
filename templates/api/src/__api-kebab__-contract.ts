import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { __ApiName__Item, __ApiName__ItemList } from './__api-kebab__-schemas.js';

/** A running Cria server whose __api_name__ API is served by the provider under test alone. */
export interface __ApiName__ContractTarget {
  /** The server's root URL, `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

interface Reply<Body> {
  status: number;
  body: Body;
}

interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * The contract every provider of the __api_name__ API passes, checked over HTTP as clients call
 * it. A provider package runs it from a vitest file, with a setup that starts a server serving
 * its provider (`startTestServer` from @cria/testing):
 *
 * ```ts
 * import { describe__ApiName__Contract } from '__package_name__/contract';
 * describe__ApiName__Contract('inline::mine', async () => {
 *   const server = await startTestServer({ distribution: { providers: { __api_name__: [{ provider_id: 'mine', provider_type: 'inline::mine', config: {} }] } } });
 *   return { url: server.url, close: () => server.close() };
 * });
 * ```
 */
export function describe__ApiName__Contract(name: string, setup: () => Promise<__ApiName__ContractTarget>): void {
  describe(`__api_name__ contract: ${name}`, () => {
    let target: __ApiName__ContractTarget;

    async function call<Body>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply<Body>> {
      const response = await fetch(`${target.url}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Body };
    }

    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target?.close();
    });

    it('keeps an item and gives it back by id', async () => {
      const created = await call<__ApiName__Item>('POST', '/v1/__api-kebab__/items', { content: 'first item', metadata: { topic: 'contract' } });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ object: '__api_name__.item', content: 'first item', metadata: { topic: 'contract' } });
      expect(created.body.id).toEqual(expect.any(String));
      expect(Number.isInteger(created.body.created_at)).toBe(true);
      const fetched = await call<__ApiName__Item>('GET', `/v1/__api-kebab__/items/${encodeURIComponent(created.body.id)}`);
      expect(fetched).toEqual({ status: 200, body: created.body });
    });

    it('lists items newest first, at most `limit`', async () => {
      const ids: string[] = [];
      for (const content of ['older', 'newer', 'newest']) ids.push((await call<__ApiName__Item>('POST', '/v1/__api-kebab__/items', { content })).body.id);
      const list = await call<__ApiName__ItemList>('GET', '/v1/__api-kebab__/items?limit=2');
      expect(list.status).toBe(200);
      expect(list.body.object).toBe('list');
      expect(list.body.data.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    });

    it('answers an unknown item with 404 in OpenAI\'s error envelope', async () => {
      const missing = await call<ErrorEnvelope>('GET', '/v1/__api-kebab__/items/item_missing');
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({ type: 'invalid_request_error', param: 'item_id' });
    });

    it('answers a bad request with 400 naming the field', async () => {
      const badBody = await call<ErrorEnvelope>('POST', '/v1/__api-kebab__/items', { content: 42 });
      expect(badBody.status).toBe(400);
      expect(badBody.body.error).toMatchObject({ type: 'invalid_request_error', param: 'content' });
      const badQuery = await call<ErrorEnvelope>('GET', '/v1/__api-kebab__/items?limit=0');
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.error.param).toBe('limit');
    });
  });
}
