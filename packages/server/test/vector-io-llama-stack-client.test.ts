import LlamaStackClient, { toFile } from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, fakeEmbedding, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

const DIMENSION = 16;
const ALPACAS = 'Alpacas hum when they are curious.';

// Llama Stack's own client: /v1/vector-io/insert and /query, files and vector stores.
describe('vector IO and vector stores with llama-stack-client (inline::sqlite-vec)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;
  let storeId: string;
  const data = temporaryDirectory();

  beforeAll(async () => {
    // The chat model rewrites every search query into the alpacas file's text.
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: DIMENSION, reply: () => ALPACAS });
    const rewriting = { rewrite_query_params: { model: { provider_id: 'openai', model_id: 'fake-llm' }, prompt: 'Rewrite for search: {query}', max_tokens: 50, temperature: 0 } };
    server = await startTestServer({ distribution: vectorStoresDistribution(upstream.url, data.dir, { vectorStores: rewriting }), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    const store = await client.vectorStores.create({ name: 'chunks', embedding_model: 'openai/fake-embedding', embedding_dimension: DIMENSION, provider_id: 'sqlite-vec' });
    storeId = store.id;
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  it('creates a store with Llama Stack\'s extras and shows them in its metadata', async () => {
    const store = await client.vectorStores.retrieve(storeId);
    expect(store.metadata).toMatchObject({ provider_id: 'sqlite-vec', embedding_model: 'openai/fake-embedding', embedding_dimension: String(DIMENSION) });
  });

  it('inserts chunks with and without embeddings and queries them by vector, keyword and hybrid', async () => {
    const given = 'The Eiffel Tower is in Paris.';
    await client.vectorIo.insert({
      vector_store_id: storeId,
      chunks: [
        {
          chunk_id: 'eiffel',
          content: given,
          metadata: { document_id: 'doc-paris', city: 'Paris' },
          chunk_metadata: { document_id: 'doc-paris', chunk_window: '0-8' },
          embedding: fakeEmbedding(given, DIMENSION),
          embedding_model: 'openai/fake-embedding',
          embedding_dimension: DIMENSION,
        },
        // Without an embedding: the server embeds it with the store's model.
        { chunk_id: 'colosseum', content: [{ type: 'text', text: 'The Colosseum is in Rome.' }], metadata: { document_id: 'doc-rome', city: 'Rome' } } as never,
      ],
    });
    expect(upstream.lastRequest('/embeddings')!.body).toMatchObject({ model: 'fake-embedding', input: ['The Colosseum is in Rome.'] });

    const byVector = await client.vectorIo.query({ vector_store_id: storeId, query: 'The Colosseum is in Rome.', params: { max_chunks: 1 } });
    expect(byVector.chunks).toHaveLength(1);
    expect(byVector.chunks[0]).toMatchObject({ chunk_id: 'colosseum', content: 'The Colosseum is in Rome.', metadata: { city: 'Rome' }, embedding_model: 'openai/fake-embedding', embedding_dimension: DIMENSION });
    expect(byVector.chunks[0]!.embedding).toHaveLength(DIMENSION);
    expect(byVector.scores[0]).toBeCloseTo(1, 5);

    const byKeyword = await client.vectorIo.query({ vector_store_id: storeId, query: 'Eiffel', params: { mode: 'keyword', max_chunks: 5 } });
    expect(byKeyword.chunks.map((chunk) => chunk.chunk_id)).toEqual(['eiffel']);
    expect(byKeyword.chunks[0]!.chunk_metadata).toMatchObject({ document_id: 'doc-paris', chunk_window: '0-8' });

    const hybrid = await client.vectorIo.query({ vector_store_id: storeId, query: given, params: { mode: 'hybrid', max_chunks: 2, reranker_type: 'weighted', reranker_params: { alpha: 0.7 } } });
    expect(hybrid.chunks[0]!.chunk_id).toBe('eiffel');

    const filtered = await client.vectorIo.query({ vector_store_id: storeId, query: 'Eiffel', params: { mode: 'keyword', filters: { type: 'eq', key: 'city', value: 'Rome' } } });
    expect(filtered.chunks).toEqual([]);

    // The same id again replaces the chunk.
    await client.vectorIo.insert({ vector_store_id: storeId, chunks: [{ chunk_id: 'eiffel', content: 'The Eiffel Tower was finished in 1889.', metadata: { document_id: 'doc-paris' } } as never] });
    const replaced = await client.vectorIo.query({ vector_store_id: storeId, query: 'Eiffel', params: { mode: 'keyword' } });
    expect(replaced.chunks.map((chunk) => chunk.content)).toEqual(['The Eiffel Tower was finished in 1889.']);
  });

  it('answers /v1/vector-io/query with negative scores unless a threshold is given, and embeddings as inserted; search keeps OpenAI\'s threshold of 0', async () => {
    const store = await client.vectorStores.create({ name: 'opposites', embedding_model: 'openai/fake-embedding', embedding_dimension: DIMENSION, provider_id: 'sqlite-vec' });
    const query = 'Llamas hum too.';
    // Not unit vectors: the provider gives back what was inserted, not its normalised form.
    const along = fakeEmbedding(query, DIMENSION).map((value) => 3 * value);
    const opposite = along.map((value) => -value / 2);
    const chunk = (id: string, embedding: number[]) => ({ chunk_id: id, content: id, metadata: {}, chunk_metadata: {}, embedding, embedding_model: 'openai/fake-embedding', embedding_dimension: DIMENSION });
    await client.vectorIo.insert({ vector_store_id: store.id, chunks: [chunk('along', along), chunk('opposite', opposite)] });

    const all = await client.vectorIo.query({ vector_store_id: store.id, query, params: { max_chunks: 5 } });
    expect(all.chunks.map((match) => match.chunk_id)).toEqual(['along', 'opposite']);
    expect(all.scores).toEqual([expect.closeTo(1, 5), expect.closeTo(-1, 5)]);
    all.chunks[1]!.embedding.forEach((value, index) => expect(value).toBeCloseTo(opposite[index]!, 5));
    const thresholded = await client.vectorIo.query({ vector_store_id: store.id, query, params: { max_chunks: 5, score_threshold: 0 } });
    expect(thresholded.chunks.map((match) => match.chunk_id)).toEqual(['along']);
    const searched = await client.vectorStores.search(store.id, { query });
    expect(searched.data.map((result) => result.content[0]!.text)).toEqual(['along']);
  });

  it('answers 4xx naming the field for bad chunks and unknown stores', async () => {
    const wrongSize = client.vectorIo.insert({ vector_store_id: storeId, chunks: [{ chunk_id: 'x', content: 'x', embedding: [1, 2, 3], embedding_model: 'openai/fake-embedding', embedding_dimension: 3, chunk_metadata: {} }] });
    await expect(wrongSize).rejects.toMatchObject({ status: 400, error: { error: { param: 'chunks[0].embedding' } } });
    await expect(client.vectorIo.insert({ vector_store_id: storeId, chunks: [], ttl_seconds: 60 })).rejects.toMatchObject({ status: 400, error: { error: { param: 'ttl_seconds' } } });
    await expect(client.vectorIo.query({ vector_store_id: 'vs_unknown', query: 'x' })).rejects.toBeInstanceOf(LlamaStackClient.NotFoundError);
    await expect(client.vectorIo.query({ vector_store_id: storeId, query: 'x', params: { mode: 'semantic' } })).rejects.toMatchObject({ status: 400, error: { error: { param: 'params.mode' } } });
  });

  it('uploads a file, attaches it with a chunking strategy given without its type, and searches it', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(ALPACAS), 'alpacas.txt'), purpose: 'assistants' });
    expect(await client.files.content(file.id)).toBe('Alpacas hum when they are curious.');
    const attached = await client.vectorStores.files.create(storeId, { file_id: file.id, chunking_strategy: { static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 } } as never });
    expect(attached.chunking_strategy).toEqual({ type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 } });
    let status = attached.status;
    for (let attempt = 0; status === 'in_progress' && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await client.vectorStores.files.retrieve(storeId, file.id)).status;
    }
    expect(status).toBe('completed');
    const results = await client.vectorStores.search(storeId, { query: 'hum curious', search_mode: 'keyword' });
    expect(results.data[0]).toMatchObject({ file_id: file.id, filename: 'alpacas.txt', content: [{ type: 'text', text: 'Alpacas hum when they are curious.' }] });
    const content = await client.vectorStores.files.content(storeId, file.id, { include_metadata: true, include_embeddings: true });
    expect(content.data[0]).toMatchObject({ type: 'text', text: 'Alpacas hum when they are curious.', metadata: { file_id: file.id, filename: 'alpacas.txt' }, chunk_metadata: { document_id: file.id, chunk_window: expect.any(String) } });
    expect(content.data[0]!.embedding).toEqual(fakeEmbedding(ALPACAS, DIMENSION).map((value) => expect.closeTo(value, 5)));
    const plain = await client.vectorStores.files.content(storeId, file.id);
    expect(plain.data[0]).not.toHaveProperty('embedding');

    // rewrite_query: the distribution's model rewrites the query before it is embedded.
    const rewritten = await client.vectorStores.search(storeId, { query: 'what noise do they make', rewrite_query: true, max_num_results: 1 });
    expect(upstream.lastRequest('/chat/completions')!.body).toMatchObject({ model: 'fake-llm', messages: [{ role: 'user', content: 'Rewrite for search: what noise do they make' }], max_tokens: 50, temperature: 0 });
    expect(rewritten.search_query).toEqual([ALPACAS]);
    expect(rewritten.data[0]).toMatchObject({ file_id: file.id });
    expect(rewritten.data[0]!.score).toBeCloseTo(1, 5);
  });
});
