import { join } from 'node:path';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageBackends } from '@cria/core';
import { startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';

const PROMPT_ID = /^pmpt_[0-9a-f]{48}$/;

/** The error a client call fails with (the client's typed error, carrying the reply's envelope). */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof LlamaStackClient.APIError>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof LlamaStackClient.APIError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

/** The `error` object of OpenAI's envelope, as the server sent it. */
function envelope(error: InstanceType<typeof LlamaStackClient.APIError>): { message: string; param: string | null; code: string | null } {
  return (error.error as { error: { message: string; param: string | null; code: string | null } }).error;
}

// The official Llama Stack client against Cria's Prompts API (Llama Stack 0.7.1's rules).
describe('prompts through llama-stack-client', () => {
  const data = temporaryDirectory();
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    server = await startTestServer({ distribution: { apis: ['prompts'] }, dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    data.remove();
  });

  it('creates a prompt with variables at version 1, the default, and retrieves it', async () => {
    const created = await client.prompts.create({ prompt: 'Hello {{ name }}, you live in {{city}}!', variables: ['name', 'city'] });
    expect(created).toEqual({ prompt_id: expect.stringMatching(PROMPT_ID), prompt: 'Hello {{ name }}, you live in {{city}}!', version: 1, variables: ['name', 'city'], is_default: true });
    expect(await client.prompts.retrieve(created.prompt_id)).toEqual(created);
    expect(await client.prompts.retrieve(created.prompt_id, { version: 1 })).toEqual(created);
    // Without variables: none; declared variables the template does not use are allowed (as Llama Stack).
    expect(await client.prompts.create({ prompt: 'Hello world!' })).toMatchObject({ variables: [], version: 1 });
    expect(await client.prompts.create({ prompt: 'Hello world!', variables: ['unused'] })).toMatchObject({ variables: ['unused'] });
  });

  it('updates into new versions, refuses a stale version, and sets the default version', async () => {
    const created = await client.prompts.create({ prompt: 'V1 {{ topic }}', variables: ['topic'] });
    const id = created.prompt_id;
    const second = await client.prompts.update(id, { prompt: 'V2 {{ topic }} for {{ audience }}', version: 1, variables: ['topic', 'audience'] });
    expect(second).toEqual({ prompt_id: id, prompt: 'V2 {{ topic }} for {{ audience }}', version: 2, variables: ['topic', 'audience'], is_default: true });
    expect(await client.prompts.retrieve(id)).toEqual(second);
    expect(await client.prompts.retrieve(id, { version: 1 })).toEqual({ ...created, is_default: false });

    // An update must start from the latest version.
    const stale = await failure(client.prompts.update(id, { prompt: 'V2 again', version: 1 }));
    expect(stale).toBeInstanceOf(LlamaStackClient.BadRequestError);
    expect(envelope(stale)).toMatchObject({ param: 'version', message: `'1' is not the latest prompt version for prompt_id='${id}'. Use the latest version '2' in request.` });
    expect(await failure(client.prompts.update(id, { prompt: 'V9', version: 9 }))).toBeInstanceOf(LlamaStackClient.BadRequestError);

    // set_as_default: false writes a version that is not served by default.
    const third = await client.prompts.update(id, { prompt: 'V3', version: 2, set_as_default: false });
    expect(third).toMatchObject({ version: 3, is_default: false, variables: [] });
    expect((await client.prompts.retrieve(id)).version).toBe(2);

    const madeDefault = await client.prompts.setDefaultVersion(id, { version: 1 });
    expect(madeDefault).toEqual({ ...created, is_default: true });
    expect(await client.prompts.retrieve(id)).toEqual({ ...created, is_default: true });
    expect((await client.prompts.versions.list(id)).map((prompt) => [prompt.version, prompt.is_default])).toEqual([[1, true], [2, false], [3, false]]);

    // The next update still starts from the latest version, whatever the default.
    expect(await client.prompts.update(id, { prompt: 'V4', version: 3 })).toMatchObject({ version: 4, is_default: true });
    expect((await client.prompts.versions.list(id)).map((prompt) => [prompt.version, prompt.is_default])).toEqual([[1, false], [2, false], [3, false], [4, true]]);
  });

  it('refuses a template whose placeholders are not all declared, naming variables', async () => {
    const undeclared = await failure(client.prompts.create({ prompt: 'Hello {{ name }}, invalid {{ unknown }} {{zeta}}!', variables: ['name'] }));
    expect(undeclared).toBeInstanceOf(LlamaStackClient.BadRequestError);
    expect(envelope(undeclared)).toMatchObject({ param: 'variables', message: expect.stringContaining("Prompt contains undeclared variables: ['unknown', 'zeta']") });
    expect(envelope(await failure(client.prompts.create({ prompt: 'Hi {{ name }}' })))).toMatchObject({ param: 'variables' });

    const created = await client.prompts.create({ prompt: 'Hi {{ name }}', variables: ['name'] });
    const update = await failure(client.prompts.update(created.prompt_id, { prompt: 'Hi {{ name }} from {{ place }}', version: 1, variables: ['name'] }));
    expect(envelope(update)).toMatchObject({ param: 'variables', message: expect.stringContaining("['place']") });
    // Nothing was written.
    expect((await client.prompts.versions.list(created.prompt_id)).map((prompt) => prompt.version)).toEqual([1]);
  });

  it('validates request bodies against the schema, naming the field', async () => {
    const missing = await failure(client.prompts.create({ variables: ['x'] } as unknown as { prompt: string }));
    expect(missing).toBeInstanceOf(LlamaStackClient.BadRequestError);
    expect(envelope(missing).param).toBe('prompt');
    const created = await client.prompts.create({ prompt: 'x' });
    expect(envelope(await failure(client.prompts.update(created.prompt_id, { prompt: 'y', version: 0 }))).param).toBe('version');
    expect(envelope(await failure(client.prompts.setDefaultVersion(created.prompt_id, {} as { version: number }))).param).toBe('version');
  });

  it('lists the default version of every prompt, by prompt id descending', async () => {
    const first = await client.prompts.create({ prompt: 'listed one' });
    const second = await client.prompts.create({ prompt: 'listed two' });
    await client.prompts.update(second.prompt_id, { prompt: 'listed two, v2', version: 1 });
    const listed = await client.prompts.list();
    const ids = listed.map((prompt) => prompt.prompt_id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(listed.find((prompt) => prompt.prompt_id === first.prompt_id)).toEqual(first);
    expect(listed.find((prompt) => prompt.prompt_id === second.prompt_id)).toMatchObject({ prompt: 'listed two, v2', version: 2, is_default: true });
    expect(listed.every((prompt) => prompt.is_default)).toBe(true);
  });

  it('deletes every version of a prompt', async () => {
    const created = await client.prompts.create({ prompt: 'to be deleted' });
    await client.prompts.update(created.prompt_id, { prompt: 'to be deleted, v2', version: 1 });
    await client.prompts.delete(created.prompt_id);
    expect(await failure(client.prompts.retrieve(created.prompt_id))).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(await failure(client.prompts.retrieve(created.prompt_id, { version: 1 }))).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(await failure(client.prompts.versions.list(created.prompt_id))).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect((await client.prompts.list()).map((prompt) => prompt.prompt_id)).not.toContain(created.prompt_id);
    expect(await failure(client.prompts.delete(created.prompt_id))).toBeInstanceOf(LlamaStackClient.NotFoundError);
  });

  it('answers 404 for a missing prompt or version, naming the field', async () => {
    const missing = 'pmpt_' + '0'.repeat(48);
    const notFound = await failure(client.prompts.retrieve(missing));
    expect(notFound).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(envelope(notFound)).toMatchObject({ param: 'prompt_id', code: 'prompt_not_found' });
    expect(await failure(client.prompts.versions.list(missing))).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(await failure(client.prompts.update(missing, { prompt: 'x', version: 1 }))).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(await failure(client.prompts.setDefaultVersion(missing, { version: 1 }))).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(await failure(client.prompts.delete(missing))).toBeInstanceOf(LlamaStackClient.NotFoundError);

    const created = await client.prompts.create({ prompt: 'only v1' });
    const noVersion = await failure(client.prompts.retrieve(created.prompt_id, { version: 7 }));
    expect(noVersion).toBeInstanceOf(LlamaStackClient.NotFoundError);
    expect(envelope(noVersion)).toMatchObject({ param: 'version', code: 'prompt_version_not_found' });
    expect(envelope(await failure(client.prompts.setDefaultVersion(created.prompt_id, { version: 7 })))).toMatchObject({ param: 'version' });
    expect((await client.prompts.retrieve(created.prompt_id)).version).toBe(1);
  });

  it('keeps prompts across a restart, in Llama Stack\'s kv layout, and reads a prompt Llama Stack wrote', async () => {
    const created = await client.prompts.create({ prompt: 'Durable {{ thing }}', variables: ['thing'] });
    await client.prompts.update(created.prompt_id, { prompt: 'Durable {{ thing }}, v2', version: 1, variables: ['thing'] });
    await client.prompts.setDefaultVersion(created.prompt_id, { version: 1 });
    await server.close();

    // The keys and values Llama Stack's PromptServiceImpl reads: `prompts:v1:<id>:<version>` and `:default` holding the bare number.
    const storage = new StorageBackends({ kv_default: { type: 'kv_sqlite', db_path: join(data.dir, 'kvstore.db') } });
    const kv = await storage.kv({ backend: 'kv_default', namespace: 'prompts' });
    const prefix = `prompts:v1:${created.prompt_id}:`;
    expect(await kv.keysInRange(prefix, `${prefix}\uffff`)).toEqual([`${prefix}1`, `${prefix}2`, `${prefix}default`]);
    expect(await kv.get(`${prefix}default`)).toBe(1);
    expect(await kv.get(`${prefix}2`)).toEqual({ prompt_id: created.prompt_id, prompt: 'Durable {{ thing }}, v2', version: 2, variables: ['thing'], is_default: false });
    // A prompt as Llama Stack stores it (its default written as text, is_default false).
    const foreignId = 'pmpt_' + 'ab'.repeat(24);
    await kv.set(`prompts:v1:${foreignId}:1`, { prompt_id: foreignId, prompt: 'From Llama Stack {{ x }}', version: 1, variables: ['x'], is_default: false });
    await kv.set(`prompts:v1:${foreignId}:default`, '1');
    await storage.close();

    server = await startTestServer({ distribution: { apis: ['prompts'] }, dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    expect(await client.prompts.retrieve(created.prompt_id)).toEqual({ ...created, is_default: true });
    expect((await client.prompts.versions.list(created.prompt_id)).map((prompt) => [prompt.version, prompt.is_default])).toEqual([[1, true], [2, false]]);
    expect(await client.prompts.retrieve(foreignId)).toEqual({ prompt_id: foreignId, prompt: 'From Llama Stack {{ x }}', version: 1, variables: ['x'], is_default: true });
    expect(await client.prompts.update(foreignId, { prompt: 'Now v2 {{ x }}', version: 1, variables: ['x'] })).toMatchObject({ version: 2, is_default: true });
  });
});

describe('prompts without a prompts store', () => {
  it('answers 400 naming the missing store when the distribution has neither storage.stores.prompts nor kv_default', async () => {
    const data = temporaryDirectory();
    const server = await startTestServer({
      distribution: { apis: ['prompts'], storage: { backends: { sql_default: { type: 'sql_sqlite', db_path: join(data.dir, 'sql_store.db') } }, stores: {} } },
      dataDir: data.dir,
    });
    try {
      const client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
      const error = await failure(client.prompts.list());
      expect(error).toBeInstanceOf(LlamaStackClient.BadRequestError);
      expect(envelope(error).message).toContain('storage.stores.prompts');
    } finally {
      await server.close();
      data.remove();
    }
  });

  it('uses Llama Stack\'s default store (kv_default, namespace prompts) when the distribution names none', async () => {
    const data = temporaryDirectory();
    const server = await startTestServer({
      distribution: { apis: ['prompts'], storage: { backends: { kv_default: { type: 'kv_sqlite', db_path: join(data.dir, 'kvstore.db') } }, stores: {} } },
      dataDir: data.dir,
    });
    try {
      const client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
      const created = await client.prompts.create({ prompt: 'kept in kv_default' });
      expect(await client.prompts.retrieve(created.prompt_id)).toEqual(created);
    } finally {
      await server.close();
      data.remove();
    }
  });
});
