import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

const LLAMAS = 'Llamas are domesticated South American camelids, kept for wool and as pack animals in the Andes.';

/** The vector stores distribution with inline::faiss as its one vector_io provider, as the starter's default. */
function faissDistribution(upstreamUrl: string, dataDir: string): Record<string, unknown> {
  const base = vectorStoresDistribution(upstreamUrl, dataDir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
  return {
    ...base,
    providers: { ...base.providers, vector_io: [{ provider_id: 'faiss', provider_type: 'inline::faiss', config: { persistence: { namespace: 'vector_io::faiss', backend: 'kv_default' } } }] },
    vector_stores: { ...base.vector_stores, default_provider_id: 'faiss' },
  };
}

describe('inline::faiss behind the vector stores API (openai client)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  const data = temporaryDirectory('cria-faiss-server-');

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  it('searches a file by vector, refuses keyword search with 400, and finds the file again after a server restart', async () => {
    server = await startTestServer({ distribution: faissDistribution(upstream.url, data.dir), dataDir: data.dir });
    let client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const file = await client.files.create({ file: await toFile(Buffer.from(`# Llamas\n\n${LLAMAS}`), 'llamas.md'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'animals', file_ids: [file.id] });
    await client.vectorStores.files.poll(store.id, file.id, { pollIntervalMs: 20 });

    const results = await client.vectorStores.search(store.id, { query: LLAMAS });
    expect(results.data[0]).toMatchObject({ file_id: file.id, filename: 'llamas.md' });
    expect(results.data[0]!.content[0]!.text).toContain('camelids');

    const keyword = client.vectorStores.search(store.id, { query: 'llamas', search_mode: 'keyword' } as OpenAI.VectorStores.VectorStoreSearchParams);
    await expect(keyword).rejects.toMatchObject({ status: 400, message: expect.stringContaining('vector only') });

    await server.close();
    server = await startTestServer({ distribution: faissDistribution(upstream.url, data.dir), dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const again = await client.vectorStores.search(store.id, { query: LLAMAS });
    expect(again.data.map((result) => [result.file_id, result.score])).toEqual(results.data.map((result) => [result.file_id, result.score]));
  });
});
