import LlamaStackClient, { toFile } from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

const DIMENSION = 16;
const LLAMAS = 'Llamas are domesticated South American camelids.';
const CATS = 'Cats sleep for most of the day.';

interface ToolResult {
  content: { type: string; text: string }[];
  error_code: number | null;
  error_message: string | null;
  metadata: Record<string, unknown> | null;
}

/** A distribution serving files, vector stores and tool_runtime with inline::file-search. */
function distribution(upstreamUrl: string, dataDir: string, vectorStores: Record<string, unknown> = {}): Record<string, unknown> {
  const base = vectorStoresDistribution(upstreamUrl, dataDir, { vectorStores }) as { apis: string[]; providers: Record<string, unknown> };
  return { ...base, apis: [...base.apis, 'tool_runtime'], providers: { ...base.providers, tool_runtime: [{ provider_id: 'file-search', provider_type: 'inline::file-search' }] } };
}

/** Uploads a file, attaches it to a new store with attributes, and waits until it is ingested. */
async function storeWith(client: LlamaStackClient, name: string, filename: string, text: string, attributes: Record<string, string | number | boolean>): Promise<{ storeId: string; fileId: string }> {
  const file = await client.files.create({ file: await toFile(Buffer.from(text), filename), purpose: 'assistants' });
  const store = await client.vectorStores.create({ name });
  let status = (await client.vectorStores.files.create(store.id, { file_id: file.id, attributes })).status;
  for (let attempt = 0; status === 'in_progress' && attempt < 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = (await client.vectorStores.files.retrieve(store.id, file.id)).status;
  }
  expect(status).toBe('completed');
  return { storeId: store.id, fileId: file.id };
}

/** The id of the one chunk a store has, through /v1/vector-io/query. */
async function chunkIdOf(client: LlamaStackClient, storeId: string, text: string): Promise<string> {
  const answer = await client.vectorIo.query({ vector_store_id: storeId, query: text, params: { max_chunks: 1 } });
  return answer.chunks[0]!.chunk_id;
}

// llama-stack-client 0.7 has no typed methods for the tool routes Llama Stack dropped from its
// 0.7 spec (toolgroups, tools, tool-runtime); the client's own request methods reach them.
const invoke = (client: LlamaStackClient, body: Record<string, unknown>) => client.post<unknown, ToolResult>('/v1/tool-runtime/invoke', { body });

describe('inline::file-search with llama-stack-client', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;
  let llamas: { storeId: string; fileId: string; chunkId: string };
  let cats: { storeId: string; fileId: string; chunkId: string };
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: DIMENSION });
    server = await startTestServer({ distribution: distribution(upstream.url, data.dir), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    const first = await storeWith(client, 'llamas', 'llamas.md', LLAMAS, { topic: 'animals', year: 2024 });
    llamas = { ...first, chunkId: await chunkIdOf(client, first.storeId, LLAMAS) };
    const second = await storeWith(client, 'cats', 'cats.txt', CATS, { indoor: true });
    cats = { ...second, chunkId: await chunkIdOf(client, second.storeId, CATS) };
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  it('registers the builtin::file_search tool group and lists its tools as Llama Stack does', async () => {
    const groups = await client.get<unknown, { data: { identifier: string; provider_id: string }[] }>('/v1/toolgroups');
    expect(groups.data).toContainEqual({ identifier: 'builtin::file_search', provider_resource_id: 'builtin::file_search', provider_id: 'file-search', type: 'tool_group', mcp_endpoint: null, args: null });
    const tools = await client.get<unknown, { data: unknown[] }>('/v1/tools', { query: { toolgroup_id: 'builtin::file_search' } });
    expect(tools.data).toEqual([
      { toolgroup_id: 'builtin::file_search', name: 'insert_into_memory', description: 'Insert documents into memory', input_schema: null, output_schema: null, metadata: null },
      {
        toolgroup_id: 'builtin::file_search',
        name: 'file_search',
        description: 'Search files for relevant information',
        input_schema: {
          type: 'object',
          properties: { query: { type: 'string', description: 'The query to search for. Can be a natural language sentence or keywords.' } },
          required: ['query'],
        },
        output_schema: null,
        metadata: null,
      },
    ]);
  });

  it('searches the named vector stores and frames the chunks with Llama Stack\'s default templates', async () => {
    const result = await invoke(client, { tool_name: 'file_search', kwargs: { query: LLAMAS, vector_store_ids: [cats.storeId, llamas.storeId] } });
    const { metadata } = result;
    // The query is the llamas file's text: its chunk scores 1; the cats chunk less (but above 0, the threshold).
    expect(metadata!.document_ids).toEqual([llamas.fileId, cats.fileId]);
    const scores = metadata!.scores as number[];
    expect(scores[0]).toBeCloseTo(1, 5);
    expect(scores[1]).toBeGreaterThan(0);
    expect(scores[1]).toBeLessThan(scores[0]!);
    expect(result.content).toEqual(
      [
        'file_search tool found 2 chunks:\nBEGIN of file_search tool results.\n',
        `Result 1\nContent: ${LLAMAS}\nMetadata: {'chunk_id': '${llamas.chunkId}', 'document_id': '${llamas.fileId}', 'source': 'llamas.md', 'topic': 'animals', 'year': 2024, 'file_id': '${llamas.fileId}', 'filename': 'llamas.md'}\n`,
        `Result 2\nContent: ${CATS}\nMetadata: {'chunk_id': '${cats.chunkId}', 'document_id': '${cats.fileId}', 'source': 'cats.txt', 'indoor': True, 'file_id': '${cats.fileId}', 'filename': 'cats.txt'}\n`,
        'END of file_search tool results.\n',
        `The above results were retrieved to help answer the user's query: "${LLAMAS}". Use them as supporting information only in answering this query. \n`,
      ].map((text) => ({ type: 'text', text })),
    );
    expect(result).toMatchObject({ error_code: null, error_message: null });
    expect(metadata).toMatchObject({
      chunks: [LLAMAS, CATS],
      vector_store_ids: [llamas.storeId, cats.storeId],
      filenames: ['llamas.md', 'cats.txt'],
      citation_files: { [llamas.fileId]: 'llamas.md', [cats.fileId]: 'cats.txt' },
    });
    expect((metadata!.attributes as Record<string, unknown>[])[0]).toMatchObject({ topic: 'animals', year: 2024, filename: 'llamas.md' });
  });

  it('honours query_config (max_chunks, keyword mode) and the `group/tool` name', async () => {
    const result = await invoke(client, {
      tool_name: 'builtin::file_search/file_search',
      kwargs: { query: 'camelids', vector_store_ids: [llamas.storeId, cats.storeId], query_config: { mode: 'keyword', max_chunks: 1 } },
    });
    expect(result.content[0]!.text).toBe('file_search tool found 1 chunks:\nBEGIN of file_search tool results.\n');
    expect(result.content[1]!.text).toContain(`Content: ${LLAMAS}\n`);
    expect(result.metadata!.document_ids).toEqual([llamas.fileId]);
  });

  it('answers no content when no chunk matches', async () => {
    const result = await invoke(client, { tool_name: 'file_search', kwargs: { query: 'zebra', vector_store_ids: [cats.storeId], query_config: { mode: 'keyword' } } });
    expect(result).toEqual({ content: [], error_code: null, error_message: null, metadata: { citation_files: null } });
  });

  it('refuses an unknown store (404), a missing query or no stores (400), naming them', async () => {
    await expect(invoke(client, { tool_name: 'file_search', kwargs: { query: 'llamas', vector_store_ids: [llamas.storeId, 'vs_nope'] } })).rejects.toMatchObject({
      status: 404,
      error: { error: { message: expect.stringContaining('vs_nope') } },
    });
    await expect(invoke(client, { tool_name: 'file_search', kwargs: { vector_store_ids: [llamas.storeId] } })).rejects.toMatchObject({
      status: 400,
      error: { error: { param: 'kwargs.query', message: expect.stringContaining("'query'") } },
    });
    await expect(invoke(client, { tool_name: 'file_search', kwargs: { query: 'llamas' } })).rejects.toMatchObject({ status: 400, error: { error: { param: 'kwargs.vector_store_ids' } } });
    await expect(invoke(client, { tool_name: 'file_search', kwargs: { query: 'llamas', vector_store_ids: [llamas.storeId], query_config: { mode: 'semantic' } } })).rejects.toMatchObject({
      status: 400,
      error: { error: { param: 'kwargs.query_config.mode' } },
    });
    await expect(invoke(client, { tool_name: 'insert_into_memory', kwargs: {} })).rejects.toMatchObject({ status: 400, error: { error: { param: 'tool_name' } } });
  });
});

describe('inline::file-search with the distribution\'s vector_stores templates', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: DIMENSION });
    const vectorStores = {
      file_search_params: { header_template: 'FILE_SEARCH: {num_chunks}\n', footer_template: 'END {{as written}}\n' },
      context_prompt_params: { chunk_annotation_template: '[{index}] {chunk.content} ({metadata[filename]})\n', context_template: 'Answer "{query}" with {num_chunks} results.\n' },
      chunk_retrieval_params: { max_tokens_in_context: 5 },
    };
    server = await startTestServer({ distribution: distribution(upstream.url, data.dir, vectorStores), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  it('formats with them, and stops at chunk_retrieval_params.max_tokens_in_context', async () => {
    const { storeId } = await storeWith(client, 'llamas', 'llamas.md', LLAMAS, {});
    const short = await storeWith(client, 'short', 'short.txt', 'Alpacas hum.', {});
    // Both chunks are found ('Alpacas hum.' scores 1, the llamas chunk less); the first has at most
    // 5 tokens (cl100k_base), both together more: the second is left out, as Llama Stack does, though
    // the header counts the chunks kept and the metadata lists them.
    const result = await invoke(client, { tool_name: 'file_search', kwargs: { query: 'Alpacas hum.', vector_store_ids: [storeId, short.storeId] } });
    expect(result.content.map((part) => part.text)).toEqual(['FILE_SEARCH: 2\n', '[1] Alpacas hum. (short.txt)\n', 'END {{as written}}\n', 'Answer "Alpacas hum." with 2 results.\n']);
    expect(result.metadata!.chunks).toEqual(['Alpacas hum.', LLAMAS]);
  });

  it('refuses at start a template naming a field it is not given', async () => {
    const broken = temporaryDirectory();
    try {
      await expect(startTestServer({ distribution: distribution(upstream.url, broken.dir, { context_prompt_params: { context_template: '{query} for {user}' } }), dataDir: broken.dir })).rejects.toThrow(
        /vector_stores\.context_prompt_params\.context_template: .*\{user\}/,
      );
    } finally {
      broken.remove();
    }
  });
});
