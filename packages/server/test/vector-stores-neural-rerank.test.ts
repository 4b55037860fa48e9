import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, fakeRelevance, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

const DIMENSION = 16;
const CHUNKS = [
  'Alpacas hum when they are curious.',
  'C++ is a programming language.',
  'Plants need water and sunlight.',
  'Rust and C++ are systems programming languages.',
  'The Eiffel Tower is in Paris.',
  'Cooking pasta is a fun activity.',
];
const QUERY = 'Which programming language is C++?';

// Vector store search's `neural` ranker: candidates found by the store, reordered and scored by a
// rerank model (a remote::vllm stand-in scoring shared words) through the inference router.
describe('vector store search with the neural ranker, with llama-stack-client', () => {
  let upstream: FakeOpenAIUpstream;
  let vllm: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;
  let storeId: string;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: DIMENSION });
    vllm = await FakeOpenAIUpstream.start({ rerank: 'vllm', models: [{ id: 'bge-reranker', type: 'rerank' }, { id: 'other-reranker', type: 'rerank' }, { id: 'fake-llm' }] });
    const distribution = vectorStoresDistribution(upstream.url, data.dir, { vectorStores: { default_reranker_model: { provider_id: 'vllm', model_id: 'bge-reranker' } } }) as { providers: { inference: unknown[] } };
    distribution.providers.inference.push({ provider_id: 'vllm', provider_type: 'remote::vllm', config: { base_url: vllm.url } });
    server = await startTestServer({ distribution, dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    storeId = (await client.vectorStores.create({ name: 'neural', embedding_model: 'openai/fake-embedding', embedding_dimension: DIMENSION, provider_id: 'sqlite-vec' })).id;
    await client.vectorIo.insert({
      vector_store_id: storeId,
      chunks: CHUNKS.map((content, index) => ({ chunk_id: `chunk-${index}`, content, metadata: { document_id: `doc-${index}` } })) as never,
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await vllm?.close();
    data.remove();
  });

  it('reranks max_num_results × chunk_multiplier candidates with the default reranker model and answers with its scores', async () => {
    const plain = await client.vectorStores.search(storeId, { query: QUERY, max_num_results: 2 });
    // A threshold below any cosine similarity keeps every chunk a candidate.
    const neural = await client.vectorStores.search(storeId, { query: QUERY, max_num_results: 2, ranking_options: { ranker: 'neural', score_threshold: -1 } });
    const best = CHUNKS.map((text) => ({ text, score: fakeRelevance(QUERY, text) }))
      .sort((left, right) => right.score - left.score)
      .slice(0, 2);
    expect(neural.data.map((result) => (result.content[0] as { text: string }).text)).toEqual(best.map((entry) => entry.text));
    expect(neural.data.map((result) => result.score)).toEqual(best.map((entry) => entry.score));
    // The fake embeddings order the chunks otherwise: the reranker made the difference.
    expect(plain.data.map((result) => (result.content[0] as { text: string }).text)).not.toEqual(best.map((entry) => entry.text));
    const sent = vllm.lastRequest('/rerank')!.body;
    expect(sent).toMatchObject({ model: 'bge-reranker', query: QUERY, top_n: 2 });
    // Every chunk was a candidate (2 × 5 ≥ 6).
    expect([...sent.documents].sort()).toEqual([...CHUNKS].sort());
  });

  it('reranks keyword and hybrid candidates too, with the model the request names', async () => {
    for (const mode of ['keyword', 'hybrid'] as const) {
      const neural = await client.vectorStores.search(storeId, { query: 'C++ programming', search_mode: mode, max_num_results: 1, ranking_options: { ranker: 'neural', model: 'vllm/other-reranker' } });
      expect(vllm.lastRequest('/rerank')!.body.model).toBe('other-reranker');
      expect(neural.data).toHaveLength(1);
      expect((neural.data[0]!.content[0] as { text: string }).text).toBe('C++ is a programming language.');
    }
  });

  it('answers 400 when the named model is not a reranker', async () => {
    const failed = await client.vectorStores.search(storeId, { query: QUERY, ranking_options: { ranker: 'neural', model: 'openai/fake-llm' } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(LlamaStackClient.APIError);
    expect((failed as InstanceType<typeof LlamaStackClient.APIError>).status).toBe(400);
  });
});

describe('vector store search with the neural ranker and no rerank model', () => {
  it('answers 400 naming ranking_options.model', async () => {
    const upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: DIMENSION });
    const data = temporaryDirectory();
    const server = await startTestServer({ distribution: vectorStoresDistribution(upstream.url, data.dir), dataDir: data.dir });
    try {
      const client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
      const store = await client.vectorStores.create({ name: 'no-reranker', embedding_model: 'openai/fake-embedding', embedding_dimension: DIMENSION, provider_id: 'sqlite-vec' });
      const failed = await client.vectorStores.search(store.id, { query: QUERY, ranking_options: { ranker: 'neural' } }).then(
        () => null,
        (error: unknown) => error as InstanceType<typeof LlamaStackClient.APIError>,
      );
      expect(failed?.status).toBe(400);
      expect((failed?.error as { error: { param: string } }).error.param).toBe('ranking_options.model');
    } finally {
      await server.close();
      await upstream.close();
      data.remove();
    }
  });
});
