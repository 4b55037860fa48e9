/**
 * `@cria/core/documents`: the document reading and chunking vector store ingestion uses, for
 * providers that process files the same way (file processors).
 */
export { type DocumentChunkingOptions, DocumentChunker, type DocumentChunks } from './document-chunker.js';
export { CHUNK_TOKENIZER, chunkIdFor, countTokens, DEFAULT_CHUNK_OVERLAP_TOKENS, DEFAULT_CHUNK_SIZE_TOKENS, type TextChunk } from '../apis/vector-io/vector-stores-chunking.js';
export { type DocumentKind, IngestionError, type IngestionErrorCode } from '../apis/vector-io/vector-stores-extraction.js';
