import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, type TestServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
import { StorageBackends } from '../../storage/storage-backends.js';

// Vector stores are `vector_store` resources of the one registry; these tests restart servers on
// one data directory and look at what the registry and its kv store hold.

const POLL = { pollIntervalMs: 20 };
const FACT = 'Vicuñas are wild relatives of llamas.';

/** Where the registry keeps a vector store in the metadata kv store (Llama Stack's key layout). */
function registryKey(vectorStoreId: string): string {
  return `distributions:registry:v10::vector_store:${vectorStoreId}`;
}

/** The data directory's SQLite backends, as the test distribution names them, opened beside no server. */
async function withStorage<T>(dataDir: string, use: (storage: StorageBackends) => Promise<T>): Promise<T> {
  const storage = new StorageBackends({
    kv_default: { type: 'kv_sqlite', db_path: join(dataDir, 'kvstore.db') },
    sql_default: { type: 'sql_sqlite', db_path: join(dataDir, 'sql_store.db') },
  });
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

function registryStore(storage: StorageBackends) {
  return storage.kv({ backend: 'kv_default', namespace: 'registry' });
}

describe('vector stores in the resource registry', () => {
  let upstream: FakeOpenAIUpstream;
  let data: ReturnType<typeof temporaryDirectory>;
  const servers: TestServer[] = [];

  const start = async (distribution: Record<string, unknown> = vectorStoresDistribution(upstream.url, data.dir)) => {
    const server = await startTestServer({ distribution, dataDir: data.dir });
    servers.push(server);
    return { server, client: new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 }) };
  };
  const stop = async (server: TestServer) => {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  };

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
  });
  afterAll(async () => {
    await upstream?.close();
  });
  beforeEach(() => {
    data = temporaryDirectory();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    data.remove();
  });

  it('registers a store on create, renames it with the store, and unregisters it on delete', async () => {
    const { server, client } = await start();
    const store = await client.vectorStores.create({ name: 'notes' });
    expect(server.stack.registry.get('vector_store', store.id)).toEqual({
      type: 'vector_store',
      identifier: store.id,
      provider_id: 'sqlite-vec',
      provider_resource_id: store.id,
      embedding_model: 'openai/fake-embedding',
      embedding_dimension: 16,
      vector_store_name: 'notes',
      source: 'via_register_api',
      created: store.created_at,
    });
    await client.vectorStores.update(store.id, { name: 'renamed' });
    expect(server.stack.registry.get('vector_store', store.id)).toMatchObject({ vector_store_name: 'renamed', created: store.created_at });
    await client.vectorStores.delete(store.id);
    expect(server.stack.registry.get('vector_store', store.id)).toBeUndefined();
    await expect(client.vectorStores.retrieve(store.id)).rejects.toMatchObject({ status: 404 });
    await stop(server);
    expect(await withStorage(data.dir, async (storage) => (await registryStore(storage)).get(registryKey(store.id)))).toBeUndefined();
  });

  it('registers at start-up the stores an earlier release kept only in its tables: listed, searchable, persisted', async () => {
    const first = await start();
    const file = await first.client.files.create({ file: await toFile(Buffer.from(FACT), 'fact.txt'), purpose: 'assistants' });
    const store = await first.client.vectorStores.create({ name: 'legacy', metadata: { owner: 'tests' } });
    await first.client.vectorStores.files.createAndPoll(store.id, { file_id: file.id }, POLL);
    const before = await first.client.vectorStores.search(store.id, { query: FACT });
    expect(before.data[0]).toMatchObject({ file_id: file.id, content: [{ type: 'text', text: FACT }] });
    const registered = first.server.stack.registry.get('vector_store', store.id);
    await stop(first.server);

    // An earlier release wrote the same rows and chunks, and nothing in the registry.
    await withStorage(data.dir, async (storage) => {
      const kv = await registryStore(storage);
      expect(await kv.get(registryKey(store.id))).toEqual(registered);
      await kv.delete(registryKey(store.id));
    });

    const second = await start();
    expect(second.server.stack.registry.get('vector_store', store.id)).toEqual(registered);
    expect(second.server.stack.registry.unavailableReason('vector_store', store.id)).toBeNull();
    expect((await second.client.vectorStores.list()).data.map((listed) => listed.id)).toEqual([store.id]);
    expect(await second.client.vectorStores.retrieve(store.id)).toMatchObject({
      name: 'legacy',
      metadata: { owner: 'tests', provider_id: 'sqlite-vec', embedding_model: 'openai/fake-embedding', embedding_dimension: '16' },
      file_counts: { completed: 1, total: 1 },
    });
    expect((await second.client.vectorStores.search(store.id, { query: FACT })).data).toEqual(before.data);
    await stop(second.server);
    expect(await withStorage(data.dir, async (storage) => (await registryStore(storage)).get(registryKey(store.id)))).toEqual(registered);
  });

  it('drops at start-up a registration whose rows a deletion removed before a crash', async () => {
    const first = await start();
    const kept = await first.client.vectorStores.create({ name: 'kept' });
    const deleted = await first.client.vectorStores.create({ name: 'deleted' });
    await stop(first.server);
    await withStorage(data.dir, async (storage) => {
      const sql = await storage.sql({ backend: 'sql_default', table_name: 'vector_stores' });
      expect(await sql.delete('vector_stores', { id: deleted.id })).toBe(1);
    });

    const second = await start();
    expect(second.server.stack.registry.list('vector_store').map((resource) => resource.identifier)).toEqual([kept.id]);
    await expect(second.client.vectorStores.retrieve(deleted.id)).rejects.toMatchObject({ status: 404 });
    await stop(second.server);
    expect(await withStorage(data.dir, async (storage) => (await registryStore(storage)).get(registryKey(deleted.id)))).toBeUndefined();
  });

  it('marks unavailable in the registry the stores whose provider is not enabled, and available again when it is', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: { vector_io: Record<string, unknown>[] }; vector_stores: Record<string, unknown> };
    const first = await start(distribution);
    const store = await first.client.vectorStores.create({ name: 'moved' });
    await stop(first.server);

    const renamed = { ...distribution, providers: { ...distribution.providers, vector_io: [{ ...distribution.providers.vector_io[0], provider_id: 'sqlite-vec-2' }] }, vector_stores: { ...distribution.vector_stores, default_provider_id: 'sqlite-vec-2' } };
    const second = await start(renamed);
    expect(second.server.stack.registry.unavailableReason('vector_store', store.id)).toMatch(/its vector_io provider 'sqlite-vec' is not enabled/);
    expect(await second.client.vectorStores.retrieve(store.id)).toMatchObject({ id: store.id, metadata: { provider_id: 'sqlite-vec' } });
    await expect(second.client.vectorStores.search(store.id, { query: FACT })).rejects.toMatchObject({ status: 503 });
    await stop(second.server);

    const third = await start(distribution);
    expect(third.server.stack.registry.unavailableReason('vector_store', store.id)).toBeNull();
    expect((await third.client.vectorStores.search(store.id, { query: FACT })).data).toEqual([]);
  });

  it('registers the distribution\'s stores as `distribution` at each start, without persisting them', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { registered_resources: Record<string, unknown> };
    distribution.registered_resources.vector_stores = [{ vector_store_id: 'vs_handbook', embedding_model: 'openai/fake-embedding', vector_store_name: 'handbook' }];
    for (let run = 0; run < 2; run++) {
      const { server } = await start(distribution);
      expect(server.stack.registry.get('vector_store', 'vs_handbook')).toMatchObject({ provider_id: 'sqlite-vec', provider_resource_id: 'vs_handbook', vector_store_name: 'handbook', source: 'distribution' });
      await stop(server);
      expect(await withStorage(data.dir, async (storage) => (await registryStore(storage)).get(registryKey('vs_handbook')))).toBeUndefined();
    }
  });
});
