import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack's vector IO API (0.7.1): POST /v1/vector-io/insert and /v1/vector-io/query, chunks
 * with metadata. Content is text (a string, a text item, or a list of text items); a chunk that
 * comes without an embedding is embedded with its store's model. Also OpenAI's attribute filters,
 * shared with vector store search.
 */

const text: JsonSchema = { type: 'string' };
const nullableInteger = nullable({ type: 'integer' });
const nullableText = nullable(text);

const textContentItem = object(
  { type: { type: 'string', const: 'text' }, text },
  { required: ['text'], additionalProperties: false, title: 'TextContentItem' },
);

const chunkContent: JsonSchema = {
  title: 'ChunkContent',
  description: 'Text: a string, a text item, or a list of text items (joined with no separator).',
  anyOf: [text, ref('TextContentItem'), { type: 'array', items: ref('TextContentItem') }],
};

const chunkMetadata = object(
  {
    chunk_id: nullableText,
    document_id: nullableText,
    source: nullableText,
    created_timestamp: nullableInteger,
    updated_timestamp: nullableInteger,
    chunk_window: nullable({ type: 'string', description: 'The chunk\'s token range in its document, `start-end`.' }),
    chunk_tokenizer: nullableText,
    content_token_count: nullableInteger,
    metadata_token_count: nullableInteger,
  },
  { title: 'ChunkMetadata', description: 'What the system tracks about a chunk (not shown to models, not filtered on).' },
);

const embedding: JsonSchema = { type: 'array', items: { type: 'number' } };

const vectorIOChunk = object(
  {
    content: ref('ChunkContent'),
    chunk_id: { type: 'string', minLength: 1, description: 'Unique in the store; generated from the content when absent. Inserting an existing id replaces that chunk.' },
    metadata: { type: 'object', additionalProperties: true, description: 'What filters and models see (document_id, attributes, ...).' },
    chunk_metadata: ref('ChunkMetadata'),
    embedding: { ...embedding, minItems: 1, description: 'Computed with the store\'s embedding model when absent.' },
    embedding_model: { type: 'string', description: 'Must be the store\'s embedding model when given.' },
    embedding_dimension: { type: 'integer', minimum: 1 },
  },
  { required: ['content'], title: 'VectorIOChunk', description: 'A chunk to insert (Llama Stack\'s EmbeddedChunk; the embedding fields are optional here).' },
);

const embeddedChunk = object(
  {
    content: ref('ChunkContent'),
    chunk_id: text,
    metadata: { type: 'object', additionalProperties: true },
    chunk_metadata: ref('ChunkMetadata'),
    embedding,
    embedding_model: text,
    embedding_dimension: { type: 'integer' },
  },
  { required: ['content', 'chunk_id', 'metadata', 'chunk_metadata', 'embedding', 'embedding_model', 'embedding_dimension'], title: 'EmbeddedChunk' },
);

const insertChunksRequest = object(
  {
    vector_store_id: { type: 'string', minLength: 1 },
    chunks: { type: 'array', items: ref('VectorIOChunk') },
    ttl_seconds: nullable({ type: 'integer', description: 'Not supported: chunks live until their store or file is deleted.' }),
  },
  { required: ['vector_store_id', 'chunks'], additionalProperties: false, title: 'InsertChunksRequest', description: 'POST /v1/vector-io/insert.' },
);

const comparisonFilter = object(
  {
    type: { type: 'string', enum: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] },
    key: { type: 'string', description: 'The attribute to compare.' },
    value: {
      description: 'A string, number or boolean; a list of strings or numbers for `in` and `nin`.',
      anyOf: [text, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { anyOf: [text, { type: 'number' }] } }],
    },
  },
  { required: ['type', 'key', 'value'], additionalProperties: false, title: 'SearchComparisonFilter', description: 'Compares one attribute with a value.' },
);

const compoundFilter = object(
  {
    type: { type: 'string', enum: ['and', 'or'] },
    filters: { type: 'array', items: ref('SearchFilter') },
  },
  { required: ['type', 'filters'], additionalProperties: false, title: 'SearchCompoundFilter', description: 'All (`and`) or any (`or`) of its filters.' },
);

const searchFilter: JsonSchema = {
  title: 'SearchFilter',
  description: 'OpenAI\'s attribute filter: a comparison or a compound of filters.',
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [ref('SearchComparisonFilter'), ref('SearchCompoundFilter')],
};

const queryChunksParams = object(
  {
    max_chunks: { type: 'integer', minimum: 1, description: 'At most this many chunks (default 3).' },
    score_threshold: { type: 'number', description: 'Drop chunks scoring below this (no threshold when absent: a negative cosine similarity is still a match).' },
    mode: nullable({ type: 'string', enum: ['vector', 'keyword', 'hybrid'], description: 'Default `vector`.' }),
    reranker_type: nullable({ type: 'string', enum: ['rrf', 'weighted'], description: 'Hybrid only; the distribution\'s default_reranker_strategy when absent.' }),
    reranker_params: nullable(
      object({ impact_factor: { type: 'number', minimum: 0 }, alpha: { type: 'number', minimum: 0, maximum: 1 } }, { additionalProperties: false }),
    ),
    filters: nullable(ref('SearchFilter')),
  },
  { title: 'QueryChunksParams' },
);

const queryChunksRequest = object(
  {
    vector_store_id: { type: 'string', minLength: 1 },
    query: ref('ChunkContent'),
    params: nullable(ref('QueryChunksParams')),
  },
  { required: ['vector_store_id', 'query'], additionalProperties: false, title: 'QueryChunksRequest', description: 'POST /v1/vector-io/query.' },
);

const queryChunksResponse = object(
  {
    chunks: { type: 'array', items: ref('EmbeddedChunk') },
    scores: { type: 'array', items: { type: 'number' }, description: 'One per chunk, higher is better.' },
  },
  { required: ['chunks', 'scores'], title: 'QueryChunksResponse' },
);

export const vectorIOSchemas: Record<string, JsonSchema> = {
  TextContentItem: textContentItem,
  ChunkContent: chunkContent,
  ChunkMetadata: chunkMetadata,
  VectorIOChunk: vectorIOChunk,
  EmbeddedChunk: embeddedChunk,
  InsertChunksRequest: insertChunksRequest,
  SearchComparisonFilter: comparisonFilter,
  SearchCompoundFilter: compoundFilter,
  SearchFilter: searchFilter,
  QueryChunksParams: queryChunksParams,
  QueryChunksRequest: queryChunksRequest,
  QueryChunksResponse: queryChunksResponse,
};
