import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FileProcessorsProvider, InvalidRequestError, NotFoundError, type ProcessFileResponse, type RequestContext } from '@cria/api';
import localfs from '@cria/provider-files-localfs';
import { createTestProvider, FakeOpenAIUpstream, makeTestPdf, startTestServer, type TestProvider, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';
import pypdf from '../src/index.js';

const context: RequestContext = { signal: new AbortController().signal, providerData: null };
const REPORT = ['Quarterly report on alpaca fleece exports', 'Prices rose in the highlands'];
const LONG_TEXT = Array.from({ length: 120 }, (_, index) => `Sentence number ${index} is about llamas, alpacas and vicunas grazing.`).join('\n');

describe('inline::pypdf', () => {
  let data: ReturnType<typeof temporaryDirectory>;
  let processor: TestProvider<FileProcessorsProvider>;

  beforeEach(async () => {
    data = temporaryDirectory();
    processor = await createTestProvider(pypdf, {}, { dataDir: data.dir });
  });
  afterEach(async () => {
    await processor.close();
    data.remove();
  });

  it("accepts Llama Stack's keys with its defaults, and an empty config (the starter's)", () => {
    expect(processor.config).toEqual({ default_chunk_size_tokens: 800, default_chunk_overlap_tokens: 400, extract_metadata: true, clean_text: true });
  });

  it('extracts a PDF\'s text as one chunk without a chunking strategy, with page count and chunk metadata', async () => {
    const result = await processor.impl.processFile({ file: { filename: 'report.pdf', content: makeTestPdf(REPORT) } }, context);
    expect(result.chunks).toHaveLength(1);
    const [chunk] = result.chunks;
    expect(chunk!.content).toContain('alpaca fleece');
    expect(chunk!.content).toContain('highlands');
    expect(result.metadata).toMatchObject({ processor: 'pypdf', extraction_method: 'pypdf', page_count: 1, file_size_bytes: makeTestPdf(REPORT).length });
    expect(chunk!.metadata).toMatchObject({ filename: 'report.pdf', page_count: 1, chunk_id: chunk!.chunk_id, chunk_tokenizer: 'tiktoken:cl100k_base' });
    expect(chunk!.chunk_metadata).toMatchObject({ chunk_id: chunk!.chunk_id, document_id: chunk!.metadata.document_id, chunk_window: `0-${chunk!.chunk_metadata.content_token_count}` });
  });

  it('cuts text by the strategy: auto uses the configured defaults, static the given sizes', async () => {
    const file = { filename: 'notes.md', content: Buffer.from(LONG_TEXT) };
    const auto = await processor.impl.processFile({ file, chunkingStrategy: { type: 'auto' } }, context);
    const fine = await processor.impl.processFile({ file, chunkingStrategy: { type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 } } }, context);
    expect(auto.metadata).toMatchObject({ processor: 'text', extraction_method: 'text' });
    expect(auto.chunks.length).toBeGreaterThan(1);
    expect(auto.chunks[0]!.chunk_metadata).toMatchObject({ chunk_window: '0-800', content_token_count: 800 });
    expect(fine.chunks[0]!.chunk_metadata.chunk_window).toBe('0-200');
    expect(fine.chunks[1]!.chunk_metadata.chunk_window).toBe('150-350');
    expect(fine.chunks.length).toBeGreaterThan(auto.chunks.length);
  });

  it('cleans whitespace by default and keeps it with clean_text: false', async () => {
    const file = { filename: 'spaced.txt', content: Buffer.from('one    two\n\n\n   three  ') };
    expect((await processor.impl.processFile({ file }, context)).chunks[0]!.content).toBe('one two\nthree');
    const raw = await createTestProvider(pypdf, { clean_text: false }, { dataDir: data.dir });
    expect((await raw.impl.processFile({ file }, context)).chunks[0]!.content).toBe('one    two\n\n\n   three  ');
    await raw.close();
  });

  it('refuses what it cannot read (400 naming the file) and answers no chunks for a file without text', async () => {
    const slides = processor.impl.processFile({ file: { filename: 'slides.pptx', content: Buffer.from('PK\u0003\u0004') } }, context);
    await expect(slides).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(slides).rejects.toMatchObject({ param: 'file', code: 'unsupported_file' });
    const broken = processor.impl.processFile({ file: { filename: 'broken.pdf', content: Buffer.from('%PDF-1.4 not really') } }, context);
    await expect(broken).rejects.toMatchObject({ param: 'file', code: 'invalid_file' });
    expect((await processor.impl.processFile({ file: { filename: 'blank.txt', content: Buffer.from('  \n ') } }, context)).chunks).toEqual([]);
  });

  it('reads file_id through the files API, and says so when there is none', async () => {
    await expect(processor.impl.processFile({ fileId: 'file-abc' }, context)).rejects.toMatchObject({ param: 'file_id' });
    const files = await createTestProvider(localfs, { storage_dir: 'files', metadata_store: { backend: 'sql_default' } }, { dataDir: data.dir });
    const withFiles = await createTestProvider(pypdf, {}, { dataDir: data.dir, deps: { files: files.impl } });
    try {
      const uploaded = await files.impl.uploadFile({ filename: 'report.pdf', content: (async function* () { yield makeTestPdf(REPORT); })(), fields: async () => ({ purpose: 'assistants' }) }, context);
      const result = await withFiles.impl.processFile({ fileId: uploaded.id }, context);
      expect(result.chunks[0]!.content).toContain('alpaca fleece');
      expect(result.chunks[0]!.metadata).toMatchObject({ file_id: uploaded.id, filename: 'report.pdf' });
      await expect(withFiles.impl.processFile({ fileId: 'file-00000000' }, context)).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await withFiles.close();
      await files.close();
    }
  });
});

describe('POST /v1alpha/file-processors/process and vector store ingestion through it', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { apis: string[]; providers: Record<string, unknown> };
    distribution.apis.push('file_processors');
    // The starter's entry: no config at all.
    distribution.providers.file_processors = [{ provider_id: 'pypdf', provider_type: 'inline::pypdf' }];
    server = await startTestServer({ distribution, dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  // llama-stack-client 0.7.3 has no file_processors resource: the route is called as its spec says, a multipart form.
  async function processForm(form: FormData): Promise<{ status: number; body: ProcessFileResponse & { error?: { message: string; param?: string } } }> {
    const response = await fetch(`${server.url}/v1alpha/file-processors/process`, { method: 'POST', body: form });
    return { status: response.status, body: (await response.json()) as ProcessFileResponse & { error?: { message: string; param?: string } } };
  }

  it('processes an uploaded PDF and a file_id, with a JSON chunking strategy', async () => {
    const upload = new FormData();
    upload.append('file', new Blob([makeTestPdf(REPORT)], { type: 'application/pdf' }), 'report.pdf');
    const direct = await processForm(upload);
    expect(direct.status).toBe(200);
    expect(direct.body.chunks).toHaveLength(1);
    expect(direct.body.chunks[0]!.content).toContain('Prices rose');
    expect(direct.body.metadata).toMatchObject({ processor: 'pypdf', page_count: 1 });

    const stored = await client.files.create({ file: await toFile(Buffer.from(LONG_TEXT), 'notes.md'), purpose: 'assistants' });
    const byId = new FormData();
    byId.append('file_id', stored.id);
    byId.append('chunking_strategy', JSON.stringify({ type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 0 } }));
    const processed = await processForm(byId);
    expect(processed.status).toBe(200);
    expect(processed.body.chunks.length).toBeGreaterThan(3);
    expect(processed.body.chunks.map((chunk) => chunk.chunk_metadata.chunk_window).slice(0, 2)).toEqual(['0-200', '200-400']);
    expect(processed.body.chunks[0]!.metadata).toMatchObject({ file_id: stored.id, filename: 'notes.md' });
  });

  it('answers 400 for neither or both of file and file_id, a bad chunking_strategy, and 404 for an unknown file', async () => {
    const neither = await processForm(new FormData());
    expect(neither.status).toBe(400);
    const both = new FormData();
    both.append('file_id', 'file-0123');
    both.append('file', new Blob(['text']), 'a.txt');
    expect((await processForm(both)).status).toBe(400);
    for (const strategy of ['{not json', '[1]', '{"type":"semantic"}', '{"type":"static","static":{"max_chunk_size_tokens":50}}']) {
      const form = new FormData();
      form.append('file', new Blob(['text']), 'a.txt');
      form.append('chunking_strategy', strategy);
      const answer = await processForm(form);
      expect(answer.status, strategy).toBe(400);
      expect(answer.body.error?.param, strategy).toMatch(/^chunking_strategy/);
    }
    const unknown = new FormData();
    unknown.append('file_id', 'file-00000000000000000000000000000000');
    expect((await processForm(unknown)).status).toBe(404);
  });

  it('ingests vector store files through the file processor (PDF and text), searchable afterwards', async () => {
    const pdf = await client.files.create({ file: await toFile(makeTestPdf(REPORT), 'report.pdf'), purpose: 'assistants' });
    const slides = await client.files.create({ file: await toFile(Buffer.from('PK\u0003\u0004binary'), 'slides.pptx'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'through-processors' });
    const attached = await client.vectorStores.files.createAndPoll(store.id, { file_id: pdf.id }, { pollIntervalMs: 20 });
    expect(attached.status).toBe('completed');
    const failed = await client.vectorStores.files.createAndPoll(store.id, { file_id: slides.id }, { pollIntervalMs: 20 });
    expect(failed).toMatchObject({ status: 'failed', last_error: { code: 'unsupported_file' } });
    const search = (query: string) => client.vectorStores.search(store.id, { query, search_mode: 'keyword' } as OpenAI.VectorStores.VectorStoreSearchParams);
    const found = await search('alpaca fleece exports');
    expect(found.data[0]).toMatchObject({ file_id: pdf.id, filename: 'report.pdf' });
    expect(found.data[0]!.content[0]!.text).toContain('alpaca fleece');
    // The processor's clean_text shows the chunks came through it: the in-core path keeps whitespace as written.
    const spaced = await client.files.create({ file: await toFile(Buffer.from('Llamas   hum\n\n\n   softly at dusk'), 'spaced.txt'), purpose: 'assistants' });
    expect((await client.vectorStores.files.createAndPoll(store.id, { file_id: spaced.id }, { pollIntervalMs: 20 })).status).toBe('completed');
    const hum = await search('llamas hum softly');
    expect(hum.data[0]).toMatchObject({ file_id: spaced.id });
    expect(hum.data[0]!.content[0]!.text).toBe('Llamas hum\nsoftly at dusk');
  });
});
