import type { EmbeddedChunk, TextContentItem, ToolInvocationResult } from '@cria/api';
import { pythonFormat } from './file-search-python-format.js';
import type { FileSearchTemplates } from './file-search-templates.js';

/** A chunk a vector store returned for the query, with its score and where it was found. */
export interface FileSearchHit {
  chunk: EmbeddedChunk;
  score: number;
  vectorStoreId: string;
}

/** The keys of `chunk_metadata` shown with each chunk, before its `metadata` (Llama Stack's order). */
const CHUNK_METADATA_SHOWN = ['chunk_id', 'document_id', 'source'] as const;
/** Keys of `metadata` kept from the model: bookkeeping, not content. */
const METADATA_HIDDEN = new Set(['token_count', 'metadata_token_count', 'vector_store_id']);

/** Text of a chunk's or a query's content (Llama Stack's interleaved_content_as_str). */
export function contentAsText(content: EmbeddedChunk['content'], separator = ' '): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((item) => item.text).join(separator);
  return content.text;
}

/** Llama Stack's Chunk.document_id: `metadata.document_id` first, else `chunk_metadata.document_id`. */
function documentIdOf(chunk: EmbeddedChunk): string | null {
  const fromMetadata = chunk.metadata.document_id;
  if (fromMetadata !== undefined && fromMetadata !== null) return String(fromMetadata);
  return chunk.chunk_metadata?.document_id ?? null;
}

function filenameOf(chunk: EmbeddedChunk): string | null {
  const name = chunk.metadata.filename ?? chunk.chunk_metadata?.source;
  return typeof name === 'string' && name ? name : null;
}

/**
 * Tokens a chunk adds to the context. Llama Stack counts `metadata.token_count` and
 * `metadata.metadata_token_count`; chunks ingested here record theirs in `chunk_metadata`.
 */
function tokensOf(chunk: EmbeddedChunk): number {
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const content = chunk.metadata.token_count ?? chunk.chunk_metadata?.content_token_count;
  const metadata = chunk.metadata.metadata_token_count ?? chunk.chunk_metadata?.metadata_token_count;
  return count(content) + count(metadata);
}

/** What the model is shown as a chunk's metadata: chunk_id, document_id and source, then its own metadata. */
function metadataForContext(chunk: EmbeddedChunk): Map<string, unknown> {
  const shown = new Map<string, unknown>();
  for (const key of CHUNK_METADATA_SHOWN) shown.set(key, chunk.chunk_metadata?.[key] ?? null);
  for (const [key, value] of Object.entries(chunk.metadata)) if (!METADATA_HIDDEN.has(key)) shown.set(key, value);
  return shown;
}

/**
 * The file_search tool's result, as Llama Stack's file-search runtime makes it: the hits best
 * first (a stable sort), the best `maxChunks` kept; a header, each chunk (until
 * `maxTokensInContext` would be passed), the footer and the context line. `metadata` has Llama
 * Stack's keys (`document_ids`, `chunks`, `scores`, `vector_store_ids`, `citation_files`) plus
 * `filenames` and `attributes` (one per chunk), and `citation_files` maps each file id to its name.
 * Like Llama Stack, the per-chunk lists cover the first (shown chunks + 3) chunks, and `scores`
 * is taken from all hits, not only the kept ones.
 */
export function formatFileSearchHits(query: string, hits: readonly FileSearchHit[], templates: FileSearchTemplates, limits: { maxChunks: number; maxTokensInContext: number }): ToolInvocationResult {
  if (hits.length === 0) return { content: [], error_message: null, error_code: null, metadata: { citation_files: null } };
  const ranked = [...hits].sort((left, right) => right.score - left.score);
  const kept = ranked.slice(0, limits.maxChunks);
  const content: TextContentItem[] = [{ type: 'text', text: pythonFormat(templates.header, { num_chunks: kept.length }) }];
  let tokens = 0;
  for (const [index, hit] of kept.entries()) {
    tokens += tokensOf(hit.chunk);
    if (tokens > limits.maxTokensInContext) break;
    const chunk = { ...hit.chunk, content: contentAsText(hit.chunk.content) };
    content.push({ type: 'text', text: pythonFormat(templates.chunk, { index: index + 1, chunk, metadata: metadataForContext(hit.chunk) }) });
  }
  content.push({ type: 'text', text: templates.footer });
  content.push({ type: 'text', text: pythonFormat(templates.context, { query, num_chunks: kept.length, annotation_instruction: '' }) });
  const listed = kept.slice(0, content.length);
  const citationFiles: Record<string, string> = {};
  for (const { chunk } of listed) {
    const documentId = documentIdOf(chunk);
    if (documentId) citationFiles[documentId] = filenameOf(chunk) ?? 'unknown';
  }
  return {
    content,
    error_message: null,
    error_code: null,
    metadata: {
      document_ids: listed.map(({ chunk }) => documentIdOf(chunk)),
      chunks: listed.map(({ chunk }) => contentAsText(chunk.content)),
      scores: ranked.slice(0, content.length).map((hit) => hit.score),
      vector_store_ids: listed.map((hit) => hit.vectorStoreId),
      filenames: listed.map(({ chunk }) => filenameOf(chunk)),
      attributes: listed.map(({ chunk }) => chunk.metadata),
      citation_files: citationFiles,
    },
  };
}
