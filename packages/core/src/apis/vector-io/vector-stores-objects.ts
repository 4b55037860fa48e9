import {
  type ChunkContent,
  type ChunkingStrategyRequest,
  InvalidRequestError,
  type StaticChunkingStrategy,
  type VectorStore,
  type VectorStoreFile,
  type VectorStoreFileAttributes,
  type VectorStoreFileCounts,
  type VectorStoreFileStatus,
  type VectorStoreMetadata,
  type VectorStoreResource,
} from '@cria/api';
import { DEFAULT_CHUNK_OVERLAP_TOKENS, DEFAULT_CHUNK_SIZE_TOKENS } from './vector-stores-chunking.js';
import type { FileRecord, StoreRecord } from './vector-stores-tables.js';

/** The metadata keys Llama Stack adds to a store's metadata; not the user's to set. */
export const SYSTEM_METADATA_KEYS = ['provider_id', 'embedding_model', 'embedding_dimension'] as const;

const DAY_SECONDS = 86_400;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function emptyCounts(): VectorStoreFileCounts {
  return { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
}

export function countStatuses(statuses: Iterable<VectorStoreFileStatus>): VectorStoreFileCounts {
  const counts = emptyCounts();
  for (const status of statuses) {
    counts[status]++;
    counts.total++;
  }
  return counts;
}

export function expiresAt(store: StoreRecord): number | null {
  return store.expiresAfter ? store.lastActiveAt + store.expiresAfter.days * DAY_SECONDS : null;
}

export function isExpired(store: StoreRecord): boolean {
  const expiry = expiresAt(store);
  return expiry !== null && expiry <= nowSeconds();
}

/** The user's part of a store's metadata (Llama Stack's keys are the server's to fill). */
export function userMetadata(metadata: VectorStoreMetadata | null | undefined): StoreRecord['metadata'] {
  const own = { ...(metadata ?? {}) };
  for (const key of SYSTEM_METADATA_KEYS) delete own[key];
  return own;
}

/** The wire form of a store: its record, with the provider and embedding model of its registry resource. */
export function storeObject(store: StoreRecord, resource: VectorStoreResource, counts: VectorStoreFileCounts, usageBytes: number): VectorStore {
  return {
    id: store.id,
    object: 'vector_store',
    created_at: store.createdAt,
    name: store.name,
    description: store.description,
    usage_bytes: usageBytes,
    file_counts: { ...counts },
    status: isExpired(store) ? 'expired' : counts.in_progress > 0 ? 'in_progress' : 'completed',
    ...(store.expiresAfter ? { expires_after: store.expiresAfter } : {}),
    expires_at: expiresAt(store),
    last_active_at: store.lastActiveAt,
    metadata: { ...store.metadata, provider_id: resource.provider_id, embedding_model: resource.embedding_model, embedding_dimension: String(resource.embedding_dimension) },
  };
}

export function fileObject(file: FileRecord): VectorStoreFile {
  return {
    id: file.fileId,
    object: 'vector_store.file',
    usage_bytes: file.usageBytes,
    created_at: file.createdAt,
    vector_store_id: file.vectorStoreId,
    status: file.status,
    last_error: file.lastError,
    chunking_strategy: file.chunkingStrategy,
    attributes: file.attributes ?? {},
  };
}

/**
 * `auto` (or nothing) becomes OpenAI's static 800 / 400, as Llama Stack records it; a static
 * strategy is checked (the overlap at most half the chunk size, as OpenAI requires).
 */
export function staticChunkingStrategy(request: ChunkingStrategyRequest | null | undefined, param: string): StaticChunkingStrategy {
  if (!request || !('static' in request)) {
    return { type: 'static', static: { max_chunk_size_tokens: DEFAULT_CHUNK_SIZE_TOKENS, chunk_overlap_tokens: DEFAULT_CHUNK_OVERLAP_TOKENS } };
  }
  const size = request.static.max_chunk_size_tokens ?? DEFAULT_CHUNK_SIZE_TOKENS;
  const overlap = request.static.chunk_overlap_tokens ?? Math.min(DEFAULT_CHUNK_OVERLAP_TOKENS, Math.floor(size / 2));
  if (overlap > size / 2) {
    throw new InvalidRequestError(`Invalid '${param}.static.chunk_overlap_tokens': ${overlap} is more than half of max_chunk_size_tokens (${size}).`, { param: `${param}.static.chunk_overlap_tokens` });
  }
  return { type: 'static', static: { max_chunk_size_tokens: size, chunk_overlap_tokens: overlap } };
}

/** A chunk's content as text: text items are joined. */
export function contentText(content: ChunkContent): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((item) => item.text).join('');
  return content.text;
}

/** What a file's chunks carry for filters and models: its attributes, and which file they are from. */
export function fileChunkMetadata(attributes: VectorStoreFileAttributes | null, fileId: string, filename: string): Record<string, unknown> {
  return { ...(attributes ?? {}), file_id: fileId, filename, document_id: fileId };
}

/** Only the string, number and boolean values of metadata (what a search result's `attributes` can hold). */
export function scalarAttributes(metadata: Record<string, unknown>): VectorStoreFileAttributes {
  const attributes: VectorStoreFileAttributes = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
  }
  return attributes;
}
