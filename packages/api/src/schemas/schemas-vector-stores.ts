import { type JsonSchema, listOf, nullable, object, ref } from './json-schema.js';

/**
 * OpenAI's Vector Stores API (spec 2.3.0) as Llama Stack 0.7.1 serves it: stores, their files,
 * file batches and search, with Llama Stack's extras (`embedding_model`, `embedding_dimension`,
 * `provider_id` on create; `search_mode` and the rrf / weighted rankers on search).
 */

const text: JsonSchema = { type: 'string' };
const integer: JsonSchema = { type: 'integer' };

/** Up to 16 pairs; keys up to 64 characters; values strings (up to 512), numbers or booleans. */
function keyValueMap(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    maxProperties: 16,
    propertyNames: { type: 'string', maxLength: 64 },
    additionalProperties: { anyOf: [{ type: 'string', maxLength: 512 }, { type: 'number' }, { type: 'boolean' }] },
  };
}

const metadata = nullable(ref('VectorStoreMetadata'));
const attributes = nullable(ref('VectorStoreFileAttributes'));

const staticChunkingConfig = object(
  {
    max_chunk_size_tokens: { type: 'integer', minimum: 100, maximum: 4096, default: 800, description: 'Tokens per chunk (default 800).' },
    chunk_overlap_tokens: { type: 'integer', minimum: 0, default: 400, description: 'Tokens shared by consecutive chunks (default 400); at most half of max_chunk_size_tokens.' },
  },
  { additionalProperties: false, title: 'StaticChunkingConfig' },
);

// Llama Stack's clients may leave `type` out (its models default it), so requests are told apart
// by shape: `static` present or not.
const autoChunkingStrategyRequest = object(
  { type: { type: 'string', const: 'auto' } },
  { additionalProperties: false, title: 'AutoChunkingStrategyRequest', description: '800-token chunks overlapping by 400.' },
);

const staticChunkingStrategyRequest = object(
  { type: { type: 'string', const: 'static' }, static: ref('StaticChunkingConfig') },
  { required: ['static'], additionalProperties: false, title: 'StaticChunkingStrategyRequest' },
);

const chunkingStrategyRequest: JsonSchema = {
  title: 'ChunkingStrategyRequest',
  description: 'How files are cut into chunks; `auto` when absent.',
  anyOf: [ref('AutoChunkingStrategyRequest'), ref('StaticChunkingStrategyRequest')],
};

const staticChunkingStrategy = object(
  { type: { type: 'string', const: 'static' }, static: ref('StaticChunkingConfig') },
  { required: ['type', 'static'], title: 'StaticChunkingStrategy', description: 'How a file was cut into chunks (`auto` is shown as its static equivalent).' },
);

const expiresAfter = object(
  {
    anchor: { type: 'string', enum: ['last_active_at'] },
    days: { type: 'integer', minimum: 1, maximum: 365 },
  },
  { required: ['anchor', 'days'], additionalProperties: false, title: 'VectorStoreExpiresAfter', description: 'The store expires this many days after it was last active.' },
);

const fileCounts = object(
  { in_progress: integer, completed: integer, failed: integer, cancelled: integer, total: integer },
  { required: ['in_progress', 'completed', 'failed', 'cancelled', 'total'], title: 'VectorStoreFileCounts' },
);

const createVectorStoreRequest = object(
  {
    name: nullable(text),
    description: nullable(text),
    file_ids: { type: 'array', maxItems: 500, items: { type: 'string', minLength: 1 }, description: 'Files to attach at once (ingested in the background).' },
    expires_after: nullable(ref('VectorStoreExpiresAfter')),
    chunking_strategy: nullable(ref('ChunkingStrategyRequest')),
    metadata,
    embedding_model: { type: 'string', minLength: 1, description: 'Llama Stack: the embedding model (an identifier from GET /v1/models); the distribution\'s vector_stores.default_embedding_model when absent.' },
    embedding_dimension: { type: 'integer', minimum: 1, description: 'Llama Stack: the vectors\' dimension; the model\'s when absent.' },
    provider_id: { type: 'string', minLength: 1, description: 'Llama Stack: the vector_io provider that keeps the store; vector_stores.default_provider_id when absent.' },
  },
  { additionalProperties: false, title: 'CreateVectorStoreRequest', description: 'POST /v1/vector_stores.' },
);

const vectorStore = object(
  {
    id: text,
    object: { type: 'string', const: 'vector_store' },
    created_at: integer,
    name: nullable(text),
    description: nullable(text),
    usage_bytes: { type: 'integer', description: 'Bytes of the chunks and vectors the store keeps.' },
    file_counts: ref('VectorStoreFileCounts'),
    status: { type: 'string', enum: ['expired', 'in_progress', 'completed'], description: '`in_progress` while files are being ingested.' },
    expires_after: ref('VectorStoreExpiresAfter', { description: 'Absent when the store does not expire (as OpenAI).' }),
    expires_at: nullable(integer),
    last_active_at: nullable(integer),
    metadata: {
      type: 'object',
      additionalProperties: true,
      description: 'The user\'s metadata, plus Llama Stack\'s provider_id, embedding_model and embedding_dimension.',
    },
  },
  {
    required: ['id', 'object', 'created_at', 'name', 'usage_bytes', 'file_counts', 'status', 'last_active_at', 'metadata'],
    title: 'VectorStore',
  },
);

const listVectorStoresQuery = object(
  {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc', description: 'By created_at.' },
    after: text,
    before: text,
  },
  { additionalProperties: false, title: 'ListVectorStoresQuery' },
);

const updateVectorStoreRequest = object(
  { name: nullable(text), expires_after: nullable(ref('VectorStoreExpiresAfter')), metadata },
  { additionalProperties: false, title: 'UpdateVectorStoreRequest', description: 'POST /v1/vector_stores/{vector_store_id}.' },
);

const vectorStoreDeleted = object(
  { id: text, object: { type: 'string', const: 'vector_store.deleted' }, deleted: { type: 'boolean' } },
  { required: ['id', 'object', 'deleted'], title: 'VectorStoreDeleted' },
);

const createVectorStoreFileRequest = object(
  { file_id: { type: 'string', minLength: 1 }, attributes, chunking_strategy: nullable(ref('ChunkingStrategyRequest')) },
  { required: ['file_id'], additionalProperties: false, title: 'CreateVectorStoreFileRequest', description: 'POST /v1/vector_stores/{vector_store_id}/files.' },
);

const fileStatus: JsonSchema = { type: 'string', enum: ['in_progress', 'completed', 'cancelled', 'failed'], title: 'VectorStoreFileStatus' };

const lastError = object(
  {
    code: { type: 'string', enum: ['server_error', 'unsupported_file', 'invalid_file', 'rate_limit_exceeded'] },
    message: text,
  },
  { required: ['code', 'message'], title: 'VectorStoreFileLastError' },
);

const vectorStoreFile = object(
  {
    id: { type: 'string', description: 'The file\'s id.' },
    object: { type: 'string', const: 'vector_store.file' },
    usage_bytes: integer,
    created_at: integer,
    vector_store_id: text,
    status: ref('VectorStoreFileStatus'),
    last_error: nullable(ref('VectorStoreFileLastError')),
    chunking_strategy: ref('StaticChunkingStrategy'),
    attributes,
  },
  { required: ['id', 'object', 'usage_bytes', 'created_at', 'vector_store_id', 'status', 'last_error', 'chunking_strategy'], title: 'VectorStoreFile' },
);

const listVectorStoreFilesQuery = object(
  {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc', description: 'By created_at.' },
    after: text,
    before: text,
    filter: ref('VectorStoreFileStatus'),
  },
  { additionalProperties: false, title: 'ListVectorStoreFilesQuery' },
);

const updateVectorStoreFileRequest = object(
  { attributes },
  { required: ['attributes'], additionalProperties: false, title: 'UpdateVectorStoreFileRequest', description: 'POST /v1/vector_stores/{vector_store_id}/files/{file_id}.' },
);

const vectorStoreFileDeleted = object(
  { id: text, object: { type: 'string', const: 'vector_store.file.deleted' }, deleted: { type: 'boolean' } },
  { required: ['id', 'object', 'deleted'], title: 'VectorStoreFileDeleted' },
);

const vectorStoreFileContentQuery = object(
  {
    include_embeddings: { type: 'boolean', default: false, description: 'Llama Stack: add each chunk\'s vector.' },
    include_metadata: { type: 'boolean', default: false, description: 'Llama Stack: add each chunk\'s metadata and chunk_metadata.' },
  },
  { additionalProperties: false, title: 'VectorStoreFileContentQuery' },
);

const vectorStoreContent = object(
  {
    type: { type: 'string', const: 'text' },
    text,
    embedding: nullable({ type: 'array', items: { type: 'number' } }),
    chunk_metadata: nullable(ref('ChunkMetadata')),
    metadata: nullable({ type: 'object', additionalProperties: true }),
  },
  { required: ['type', 'text'], title: 'VectorStoreContent' },
);

const vectorStoreFileContent = object(
  {
    object: { type: 'string', const: 'vector_store.file_content.page' },
    data: { type: 'array', items: ref('VectorStoreContent'), description: 'The file\'s chunks, in order.' },
    has_more: { type: 'boolean' },
    next_page: nullable(text),
  },
  { required: ['object', 'data', 'has_more', 'next_page'], title: 'VectorStoreFileContent', description: 'GET /v1/vector_stores/{vector_store_id}/files/{file_id}/content.' },
);

// `file_ids` or `files` is required; the service says so, naming `file_ids` (a top-level anyOf
// would blur the generated type).
const createFileBatchRequest = object(
  {
    file_ids: { type: 'array', minItems: 1, maxItems: 2000, items: { type: 'string', minLength: 1 } },
    files: { type: 'array', minItems: 1, maxItems: 2000, items: ref('CreateVectorStoreFileRequest'), description: 'Files with their own attributes and chunking_strategy; instead of file_ids.' },
    attributes,
    chunking_strategy: nullable(ref('ChunkingStrategyRequest')),
  },
  { additionalProperties: false, title: 'CreateVectorStoreFileBatchRequest', description: 'POST /v1/vector_stores/{vector_store_id}/file_batches: `file_ids` or `files`.' },
);

const fileBatch = object(
  {
    id: text,
    object: { type: 'string', const: 'vector_store.files_batch' },
    created_at: integer,
    vector_store_id: text,
    status: ref('VectorStoreFileStatus'),
    file_counts: ref('VectorStoreFileCounts'),
  },
  { required: ['id', 'object', 'created_at', 'vector_store_id', 'status', 'file_counts'], title: 'VectorStoreFileBatch' },
);

const rankingOptions = object(
  {
    ranker: nullable({
      type: 'string',
      enum: ['auto', 'none', 'default-2024-11-15', 'rrf', 'weighted', 'neural'],
      description: 'Hybrid search merges its rankings with `rrf` or `weighted`; `auto`, `none` and `default-2024-11-15` use the distribution\'s default_reranker_strategy. `neural` (Llama Stack) reranks the candidates (max_num_results × chunk_multiplier) with a rerank model.',
    }),
    score_threshold: nullable({ type: 'number', description: 'Drop results scoring below this (default 0).' }),
    alpha: nullable({ type: 'number', minimum: 0, maximum: 1, description: 'Weighted ranker: the weight of the vector score.' }),
    impact_factor: nullable({ type: 'number', minimum: 0, description: 'RRF: the k of 1 / (k + rank).' }),
    model: nullable({ type: 'string', minLength: 1, description: 'Neural ranker: the rerank model; the distribution\'s vector_stores.default_reranker_model when absent.' }),
  },
  { additionalProperties: false, title: 'SearchRankingOptions' },
);

const searchRequest = object(
  {
    query: {
      description: 'A query, or several (searched each and merged).',
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }],
    },
    filters: nullable(ref('SearchFilter')),
    max_num_results: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
    ranking_options: nullable(ref('SearchRankingOptions')),
    rewrite_query: nullable({ type: 'boolean', description: 'Rewrite the query with the distribution\'s vector_stores.rewrite_query_params model first.' }),
    search_mode: nullable({ type: 'string', enum: ['vector', 'keyword', 'hybrid'], default: 'vector', description: 'Llama Stack: how chunks are matched.' }),
  },
  { required: ['query'], additionalProperties: false, title: 'VectorStoreSearchRequest', description: 'POST /v1/vector_stores/{vector_store_id}/search.' },
);

const searchResult = object(
  {
    file_id: text,
    filename: text,
    score: { type: 'number' },
    attributes,
    content: {
      type: 'array',
      items: object({ type: { type: 'string', const: 'text' }, text }, { required: ['type', 'text'], title: 'VectorStoreSearchResultContent' }),
    },
  },
  { required: ['file_id', 'filename', 'score', 'attributes', 'content'], title: 'VectorStoreSearchResult' },
);

const searchResultsPage = object(
  {
    object: { type: 'string', const: 'vector_store.search_results.page' },
    search_query: { type: 'array', items: text },
    data: { type: 'array', items: ref('VectorStoreSearchResult') },
    has_more: { type: 'boolean' },
    next_page: nullable(text),
  },
  { required: ['object', 'search_query', 'data', 'has_more', 'next_page'], title: 'VectorStoreSearchResultsPage' },
);

export const vectorStoresSchemas: Record<string, JsonSchema> = {
  VectorStoreMetadata: keyValueMap('Up to 16 key-value pairs attached to a store.'),
  VectorStoreFileAttributes: keyValueMap('Up to 16 key-value pairs attached to a file in a store, for filtering searches.'),
  StaticChunkingConfig: staticChunkingConfig,
  AutoChunkingStrategyRequest: autoChunkingStrategyRequest,
  StaticChunkingStrategyRequest: staticChunkingStrategyRequest,
  StaticChunkingStrategy: staticChunkingStrategy,
  ChunkingStrategyRequest: chunkingStrategyRequest,
  VectorStoreExpiresAfter: expiresAfter,
  VectorStoreFileCounts: fileCounts,
  CreateVectorStoreRequest: createVectorStoreRequest,
  VectorStore: vectorStore,
  VectorStoreList: listOf(ref('VectorStore'), 'GET /v1/vector_stores.', true),
  ListVectorStoresQuery: listVectorStoresQuery,
  UpdateVectorStoreRequest: updateVectorStoreRequest,
  VectorStoreDeleted: vectorStoreDeleted,
  CreateVectorStoreFileRequest: createVectorStoreFileRequest,
  VectorStoreFileStatus: fileStatus,
  VectorStoreFileLastError: lastError,
  VectorStoreFile: vectorStoreFile,
  VectorStoreFileList: listOf(ref('VectorStoreFile'), 'GET /v1/vector_stores/{vector_store_id}/files and the files of a batch.', true),
  ListVectorStoreFilesQuery: listVectorStoreFilesQuery,
  UpdateVectorStoreFileRequest: updateVectorStoreFileRequest,
  VectorStoreFileDeleted: vectorStoreFileDeleted,
  VectorStoreFileContentQuery: vectorStoreFileContentQuery,
  VectorStoreContent: vectorStoreContent,
  VectorStoreFileContent: vectorStoreFileContent,
  CreateVectorStoreFileBatchRequest: createFileBatchRequest,
  VectorStoreFileBatch: fileBatch,
  SearchRankingOptions: rankingOptions,
  VectorStoreSearchRequest: searchRequest,
  VectorStoreSearchResult: searchResult,
  VectorStoreSearchResultsPage: searchResultsPage,
};
