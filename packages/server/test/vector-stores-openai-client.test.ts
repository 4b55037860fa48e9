import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeOpenAIUpstream,
  makeTestPdf,
  type PgliteServer,
  startPgliteServer,
  startTestServer,
  temporaryDirectory,
  type TestServer,
  vectorStoresDistribution,
} from '@cria/testing';

const POLL = { pollIntervalMs: 20 };

/** Search with Llama Stack's extras (`search_mode`, the rrf / weighted rankers), which the openai client's types do not know. */
function searchWithExtras(client: OpenAI, vectorStoreId: string, params: Omit<OpenAI.VectorStores.VectorStoreSearchParams, 'ranking_options'> & { search_mode?: string; ranking_options?: Record<string, unknown> }) {
  const { ranking_options: rankingOptions, ...rest } = params;
  // The client passes unknown keys through to the server untouched.
  return client.vectorStores.search(vectorStoreId, { ...rest, ...(rankingOptions ? { ranking_options: rankingOptions } : {}) });
}

const LLAMAS = 'Llamas are domesticated South American camelids, kept for wool and as pack animals in the Andes.';
const CATS_HTML = '<html><head><title>Cats</title><style>p { color: red }</style></head><body><h1>Cats</h1><p>Cats sleep for most of the day and purr when content.</p></body></html>';
const ORBITS_CSV = 'planet,orbit_days\nMercury,88\nVenus,225\nEarth,365\n';

/**
 * Files, vector stores and search end to end with the official `openai` client, on one vector_io
 * provider. Embeddings come from the fake upstream: a vector that depends only on the text, so a
 * query equal to a chunk's text finds that chunk with a score of 1, and keyword search finds words.
 */
function describeVectorStores(name: string, vectorIo: () => Promise<{ pgvector?: PgliteServer; close(): Promise<void> }>) {
  describe(`vector stores with the openai client (${name})`, () => {
    let upstream: FakeOpenAIUpstream;
    let server: TestServer;
    let client: OpenAI;
    let backend: { pgvector?: PgliteServer; close(): Promise<void> };
    const data = temporaryDirectory();
    const fileIds: Record<string, string> = {};

    beforeAll(async () => {
      upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
      backend = await vectorIo();
      server = await startTestServer({
        distribution: vectorStoresDistribution(upstream.url, data.dir, { maxFileSizeBytes: 64 * 1024, ...(backend.pgvector ? { pgvector: backend.pgvector } : {}) }),
        dataDir: data.dir,
      });
      client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const uploads: [string, string | Buffer][] = [
        ['llamas.md', `# Llamas\n\n${LLAMAS}`],
        ['cats.html', CATS_HTML],
        ['orbits.csv', ORBITS_CSV],
        ['report.pdf', makeTestPdf(['Quarterly report on alpaca fleece exports', 'Prices rose in the highlands'])],
        ['photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])],
      ];
      for (const [filename, content] of uploads) {
        const file = await client.files.create({ file: await toFile(Buffer.from(content), filename), purpose: 'assistants' });
        fileIds[filename] = file.id;
      }
    });

    afterAll(async () => {
      await server?.close();
      await backend?.close();
      await upstream?.close();
      data.remove();
    });

    it('uploads, lists, retrieves and serves files', async () => {
      const file = await client.files.retrieve(fileIds['llamas.md']!);
      expect(file).toMatchObject({ object: 'file', filename: 'llamas.md', purpose: 'assistants', bytes: Buffer.byteLength(`# Llamas\n\n${LLAMAS}`) });
      expect(file.id).toMatch(/^file-[0-9a-f]{32}$/);
      const listed = await client.files.list({ purpose: 'assistants' });
      expect(listed.data.map((entry) => entry.filename)).toEqual(['photo.png', 'report.pdf', 'orbits.csv', 'cats.html', 'llamas.md']);
      const oldestFirst = await client.files.list({ order: 'asc', limit: 2 });
      expect(oldestFirst.data.map((entry) => entry.filename)).toEqual(['llamas.md', 'cats.html']);
      expect(oldestFirst.has_more).toBe(true);
      const next = await client.files.list({ order: 'asc', limit: 2, after: oldestFirst.data[1]!.id });
      expect(next.data.map((entry) => entry.filename)).toEqual(['orbits.csv', 'report.pdf']);
      const content = await client.files.content(fileIds['orbits.csv']!);
      expect(await content.text()).toBe(ORBITS_CSV);
      expect(content.headers.get('content-disposition')).toContain('filename="orbits.csv"');
    });

    it('creates a store with the default embedding model and provider, and lists, updates and retrieves it', async () => {
      const store = await client.vectorStores.create({ name: 'animals', metadata: { team: 'zoo' } });
      expect(store).toMatchObject({ object: 'vector_store', name: 'animals', status: 'completed', usage_bytes: 0, file_counts: { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 } });
      expect(store.id).toMatch(/^vs_/);
      expect(store.metadata).toMatchObject({ team: 'zoo', embedding_model: 'openai/fake-embedding', embedding_dimension: '16' });
      const updated = await client.vectorStores.update(store.id, { name: 'zoo animals', metadata: { team: 'keepers' } });
      expect(updated).toMatchObject({ name: 'zoo animals', metadata: { team: 'keepers' } });
      expect((await client.vectorStores.retrieve(store.id)).name).toBe('zoo animals');
      const listed = await client.vectorStores.list();
      expect(listed.data.map((entry) => entry.id)).toContain(store.id);
      await client.vectorStores.delete(store.id);
      await expect(client.vectorStores.retrieve(store.id)).rejects.toMatchObject({ status: 404 });
    });

    it('attaches files, ingests them in the background, and searches by vector, keyword and hybrid with filters', async () => {
      const store = await client.vectorStores.create({ name: 'search' });
      const attached = await client.vectorStores.files.create(store.id, { file_id: fileIds['llamas.md']!, attributes: { topic: 'animals', year: 2024 } });
      expect(attached).toMatchObject({ object: 'vector_store.file', vector_store_id: store.id, status: 'in_progress', last_error: null });
      const llamas = await client.vectorStores.files.poll(store.id, fileIds['llamas.md']!, POLL);
      expect(llamas).toMatchObject({ status: 'completed', attributes: { topic: 'animals', year: 2024 }, chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } } });
      expect(llamas.usage_bytes).toBeGreaterThan(0);
      const cats = await client.vectorStores.files.createAndPoll(store.id, { file_id: fileIds['cats.html']!, attributes: { topic: 'animals', year: 2023 } }, POLL);
      expect(cats.status).toBe('completed');

      // The HTML was rendered to text: its chunk has no tags.
      const catsContent = await client.vectorStores.files.content(fileIds['cats.html']!, { vector_store_id: store.id });
      const catsText = catsContent.data.map((part) => part.text).join('');
      expect(catsText).toContain('Cats sleep for most of the day');
      expect(catsText).not.toContain('<p>');

      // Vector search: the query is the chunk's text, so its vector is the chunk's.
      const llamaChunk = (await client.vectorStores.files.content(fileIds['llamas.md']!, { vector_store_id: store.id })).data[0]!.text!;
      const byVector = await client.vectorStores.search(store.id, { query: llamaChunk });
      expect(byVector.data[0]).toMatchObject({ file_id: fileIds['llamas.md'], filename: 'llamas.md', attributes: { topic: 'animals', year: 2024 }, content: [{ type: 'text', text: llamaChunk }] });
      expect(byVector.data[0]!.score).toBeCloseTo(1, 5);

      const byKeyword = await searchWithExtras(client, store.id, { query: 'purr', search_mode: 'keyword' });
      expect(byKeyword.data.map((result) => result.file_id)).toEqual([fileIds['cats.html']]);

      const hybrid = await searchWithExtras(client, store.id, { query: 'camelids wool', search_mode: 'hybrid', ranking_options: { ranker: 'rrf' } });
      expect(hybrid.data[0]!.file_id).toBe(fileIds['llamas.md']);

      // Filters: comparison and compound, on the attributes. (Each query is a chunk's own text:
      // the fake vectors of different texts are unrelated and may score below 0, the threshold.)
      const catsChunk = catsContent.data[0]!.text!;
      const only2023 = await client.vectorStores.search(store.id, { query: catsChunk, filters: { type: 'eq', key: 'year', value: 2023 } });
      expect(only2023.data.map((result) => result.file_id)).toEqual([fileIds['cats.html']]);
      const not2023 = await client.vectorStores.search(store.id, { query: catsChunk, filters: { type: 'ne', key: 'year', value: 2023 } });
      expect(not2023.data.map((result) => result.file_id)).not.toContain(fileIds['cats.html']);
      const compound = await client.vectorStores.search(store.id, {
        query: llamaChunk,
        filters: { type: 'and', filters: [{ type: 'eq', key: 'topic', value: 'animals' }, { type: 'gte', key: 'year', value: 2024 }] },
      });
      expect(compound.data.map((result) => result.file_id)).toEqual([fileIds['llamas.md']]);
      const none = await client.vectorStores.search(store.id, { query: llamaChunk, filters: { type: 'in', key: 'topic', value: ['plants'] } });
      expect(none.data).toEqual([]);

      // Several queries: each searched, results merged (best score per chunk).
      const both = await client.vectorStores.search(store.id, { query: [llamaChunk, catsChunk], max_num_results: 2 });
      expect(new Set(both.data.map((result) => result.file_id))).toEqual(new Set([fileIds['llamas.md'], fileIds['cats.html']]));
      expect(both.data.every((result) => result.score > 0.999)).toBe(true);

      // Updating attributes changes what filters match.
      const retagged = await client.vectorStores.files.update(fileIds['cats.html']!, { vector_store_id: store.id, attributes: { topic: 'pets' } });
      expect(retagged.attributes).toEqual({ topic: 'pets' });
      const pets = await client.vectorStores.search(store.id, { query: catsChunk, filters: { type: 'eq', key: 'topic', value: 'pets' } });
      expect(pets.data.map((result) => result.file_id)).toEqual([fileIds['cats.html']]);
      expect(pets.data[0]!.attributes).toEqual({ topic: 'pets' });

      const counts = (await client.vectorStores.retrieve(store.id)).file_counts;
      expect(counts).toEqual({ in_progress: 0, completed: 2, failed: 0, cancelled: 0, total: 2 });

      // Detaching removes the file's chunks from search.
      const detached = await client.vectorStores.files.delete(fileIds['cats.html']!, { vector_store_id: store.id });
      expect(detached).toMatchObject({ id: fileIds['cats.html'], object: 'vector_store.file.deleted', deleted: true });
      const afterDetach = await client.vectorStores.search(store.id, { query: catsChunk });
      expect(afterDetach.data.map((result) => result.file_id)).not.toContain(fileIds['cats.html']);
      expect((await client.vectorStores.retrieve(store.id)).file_counts).toEqual({ in_progress: 0, completed: 1, failed: 0, cancelled: 0, total: 1 });
      await expect(client.vectorStores.files.retrieve(fileIds['cats.html']!, { vector_store_id: store.id })).rejects.toMatchObject({ status: 404 });
    });

    it('ingests a batch of CSV, PDF and an unsupported file: exact counts, failures with last_error', async () => {
      const store = await client.vectorStores.create({ name: 'batch', chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 20 } } });
      const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [fileIds['orbits.csv']!, fileIds['report.pdf']!, fileIds['photo.png']!], attributes: { source: 'batch' } }, POLL);
      expect(batch).toMatchObject({ vector_store_id: store.id, status: 'completed', file_counts: { in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 } });
      const failed = await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id, filter: 'failed' });
      expect(failed.data.map((file) => file.id)).toEqual([fileIds['photo.png']]);
      expect(failed.data[0]!.last_error).toMatchObject({ code: 'unsupported_file', message: expect.stringContaining('.png') });
      const all = await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id });
      expect(all.data).toHaveLength(3);
      const pdf = await searchWithExtras(client, store.id, { query: 'alpaca fleece', search_mode: 'keyword', filters: { type: 'eq', key: 'source', value: 'batch' } });
      expect(pdf.data[0]).toMatchObject({ file_id: fileIds['report.pdf'], filename: 'report.pdf' });
      expect(pdf.data[0]!.content[0]!.text).toContain('Quarterly report on alpaca fleece exports');
      const csv = await searchWithExtras(client, store.id, { query: 'Mercury', search_mode: 'keyword' });
      expect(csv.data[0]!.file_id).toBe(fileIds['orbits.csv']);
      expect((await client.vectorStores.retrieve(store.id)).file_counts).toEqual({ in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 });
      const listed = await client.vectorStores.files.list(store.id, { filter: 'completed' });
      expect(new Set(listed.data.map((file) => file.id))).toEqual(new Set([fileIds['orbits.csv'], fileIds['report.pdf']]));
    });

    it('creates a store with files, and cancels a file batch: files not yet ingested become cancelled', async () => {
      const withFiles = await client.vectorStores.create({ name: 'with files', file_ids: [fileIds['llamas.md']!] });
      expect(withFiles).toMatchObject({ status: 'in_progress', file_counts: { in_progress: 1, completed: 0, total: 1 } });
      expect(await client.vectorStores.files.poll(withFiles.id, fileIds['llamas.md']!, POLL)).toMatchObject({ status: 'completed' });
      expect(await client.vectorStores.retrieve(withFiles.id)).toMatchObject({ status: 'completed', file_counts: { in_progress: 0, completed: 1, total: 1 } });

      const store = await client.vectorStores.create({ name: 'cancelled' });
      upstream.fault({ kind: 'hang' }, 3, '/embeddings');
      try {
        const files = [fileIds['llamas.md']!, fileIds['cats.html']!, fileIds['orbits.csv']!];
        const batch = await client.vectorStores.fileBatches.create(store.id, { file_ids: files });
        expect(batch).toMatchObject({ object: 'vector_store.files_batch', status: 'in_progress', file_counts: { in_progress: 3, total: 3 } });
        for (let attempt = 0; upstream.inFlight < 3 && attempt < 500; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
        const cancelled = await client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id });
        expect(cancelled).toMatchObject({ status: 'cancelled', file_counts: { in_progress: 0, completed: 0, failed: 0, cancelled: 3, total: 3 } });
        expect(await client.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id })).toMatchObject({ status: 'cancelled' });
        expect((await client.vectorStores.retrieve(store.id)).file_counts).toEqual({ in_progress: 0, completed: 0, failed: 0, cancelled: 3, total: 3 });
        const listed = await client.vectorStores.files.list(store.id, { filter: 'cancelled' });
        expect(listed.data).toHaveLength(3);
        await expect(client.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id })).rejects.toMatchObject({ status: 400, error: { param: 'batch_id' } });
      } finally {
        upstream.clearFaults();
      }
    });

    it('pages vector stores and their files with after and before', async () => {
      const stores = [];
      for (const name of ['p1', 'p2', 'p3']) stores.push(await client.vectorStores.create({ name }));
      const newest = await client.vectorStores.list({ limit: 2 });
      expect(newest.data.map((store) => store.name)).toEqual(['p3', 'p2']);
      expect(newest.has_more).toBe(true);
      const older = await client.vectorStores.list({ limit: 2, after: stores[1]!.id });
      expect(older.data[0]!.name).toBe('p1');
      const newer = await client.vectorStores.list({ limit: 1, before: stores[0]!.id });
      expect(newer.data.map((store) => store.name)).toEqual(['p2']);
      const store = stores[0]!;
      for (const name of ['llamas.md', 'cats.html', 'orbits.csv']) await client.vectorStores.files.create(store.id, { file_id: fileIds[name]! });
      const firstPage = await client.vectorStores.files.list(store.id, { limit: 2, order: 'asc' });
      expect(firstPage.data.map((file) => file.id)).toEqual([fileIds['llamas.md'], fileIds['cats.html']]);
      const secondPage = await client.vectorStores.files.list(store.id, { limit: 2, order: 'asc', after: fileIds['cats.html']! });
      expect(secondPage.data.map((file) => file.id)).toEqual([fileIds['orbits.csv']]);
      const backwards = await client.vectorStores.files.list(store.id, { limit: 1, order: 'asc', before: fileIds['orbits.csv']! });
      expect(backwards.data.map((file) => file.id)).toEqual([fileIds['cats.html']]);
      await expect(client.vectorStores.files.list(store.id, { after: 'file-unknown' })).rejects.toMatchObject({ status: 400, error: { param: 'after' } });
    });

    it('refuses bad input with 4xx naming the field', async () => {
      const missingPurpose = new FormData();
      missingPurpose.append('file', new Blob(['hello']), 'hello.txt');
      const noPurpose = await fetch(`${server.baseURL}/files`, { method: 'POST', body: missingPurpose });
      expect(noPurpose.status).toBe(400);
      expect(((await noPurpose.json()) as { error: unknown }).error).toMatchObject({ param: 'purpose', type: 'invalid_request_error' });

      const tooLarge = await client.files.create({ file: await toFile(Buffer.alloc(65 * 1024, 97), 'big.txt'), purpose: 'assistants' }).catch((error: unknown) => error);
      expect(tooLarge).toMatchObject({ status: 413, error: { param: 'file', code: 'file_too_large' } });

      await expect(client.vectorStores.create({ name: 'x', embedding_model: 'openai/fake-llm' } as OpenAI.VectorStores.VectorStoreCreateParams)).rejects.toMatchObject({ status: 400, error: { param: 'embedding_model' } });
      const store = await client.vectorStores.create({ name: 'errors' });
      await expect(client.vectorStores.files.create(store.id, { file_id: 'file-0000' })).rejects.toMatchObject({ status: 404, error: { param: 'file_id' } });
      await expect(client.vectorStores.search(store.id, { query: 'x', max_num_results: 51 })).rejects.toMatchObject({ status: 400, error: { param: 'max_num_results' } });
      await expect(client.vectorStores.search(store.id, { query: 'x', filters: { type: 'near', key: 'a', value: 1 } as never })).rejects.toMatchObject({ status: 400, error: { param: 'filters.type' } });
      await expect(client.vectorStores.search(store.id, { query: 'x', rewrite_query: true })).rejects.toMatchObject({ status: 400, error: { param: 'rewrite_query' } });
      await expect(client.vectorStores.search('vs_missing', { query: 'x' })).rejects.toMatchObject({ status: 404 });
      await expect(client.files.retrieve('file-nope')).rejects.toMatchObject({ status: 404 });
      await expect(client.files.list({ limit: 0 })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
      const shortExpiry = client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'assistants', expires_after: { anchor: 'created_at', seconds: 60 } });
      await expect(shortExpiry).rejects.toMatchObject({ status: 400, error: { param: 'expires_after.seconds' } });
      const badPurpose = client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'homework' as never });
      await expect(badPurpose).rejects.toMatchObject({ status: 400, error: { param: 'purpose' } });
      const json = await fetch(`${server.baseURL}/files`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"purpose": "assistants"}' });
      expect(json.status).toBe(400);
      const noFile = new FormData();
      noFile.append('purpose', 'assistants');
      const withoutFile = await fetch(`${server.baseURL}/files`, { method: 'POST', body: noFile });
      expect(withoutFile.status).toBe(400);
      expect(((await withoutFile.json()) as { error: unknown }).error).toMatchObject({ param: 'file' });
      await expect(client.vectorStores.files.create(store.id, { file_id: fileIds['llamas.md']!, chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 150 } } })).rejects.toMatchObject({ status: 400, error: { param: 'chunking_strategy.static.chunk_overlap_tokens' } });
      // Nothing was left behind by the refused uploads.
      expect((await client.files.list()).data.map((file) => file.filename).sort()).toEqual(['cats.html', 'llamas.md', 'orbits.csv', 'photo.png', 'report.pdf']);
    });

    it('deletes a file', async () => {
      const file = await client.files.create({ file: await toFile(Buffer.from('temporary'), 'temp.txt'), purpose: 'user_data', expires_after: { anchor: 'created_at', seconds: 3600 } });
      expect(file.expires_at).toBe(file.created_at + 3600);
      expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, object: 'file', deleted: true });
      await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
      await expect(client.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    });
  });
}

describeVectorStores('inline::sqlite-vec', async () => ({ close: async () => undefined }));

describeVectorStores('remote::pgvector on PGlite', async () => {
  const pgvector = await startPgliteServer();
  return { pgvector, close: () => pgvector.close() };
});
