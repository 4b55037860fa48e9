/**
 * The vector IO provider contract: stores of embedded chunks, searched by vector, keyword or
 * both. The core owns the OpenAI vector store objects, files and ingestion; a provider only keeps
 * chunks and answers queries, so sqlite-vec, pgvector and any later store implement the same
 * small surface and pass the same contract suite.
 */

/** OpenAI's attribute filter: compare one metadata key with a value. */
export interface ComparisonFilter {
  type: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin';
  key: string;
  value: string | number | boolean | (string | number)[];
}

/** OpenAI's compound filter: all (`and`) or any (`or`) of its filters. */
export interface CompoundFilter {
  type: 'and' | 'or';
  filters: (ComparisonFilter | CompoundFilter)[];
}

export type AttributeFilter = ComparisonFilter | CompoundFilter;

/** A piece of a document with its embedding. */
export interface VectorChunk {
  /** Unique within its store; inserting an existing id replaces that chunk. */
  chunkId: string;
  content: string;
  embedding: readonly number[];
  /** What users see and filter on: a file's attributes, document_id, ... */
  metadata: Record<string, unknown>;
  /** What the system tracks: `file_id`, token counts, position in the source, ... */
  chunkMetadata?: Record<string, unknown>;
}

/** A vector store as providers see it. */
export interface VectorStoreDefinition {
  id: string;
  embeddingModel: string;
  embeddingDimension: number;
}

export type ChunkSearchMode = 'vector' | 'keyword' | 'hybrid';

/** How hybrid search merges the vector and keyword rankings. */
export type ChunkReranker =
  /** Reciprocal rank fusion: score = Σ 1 / (impactFactor + rank). */
  | { type: 'rrf'; impactFactor?: number }
  /** alpha × normalised vector score + (1 − alpha) × normalised keyword score. */
  | { type: 'weighted'; alpha?: number };

/** RRF's impact factor when a hybrid query leaves it out (Llama Stack's). */
export const DEFAULT_RRF_IMPACT_FACTOR = 60;
/** The weighted reranker's alpha when a hybrid query leaves it out (Llama Stack's). */
export const DEFAULT_WEIGHTED_ALPHA = 0.5;

export interface ChunkQuery {
  mode: ChunkSearchMode;
  /** The query's embedding; required for vector and hybrid search. */
  embedding?: readonly number[];
  /** The query's text; required for keyword and hybrid search. */
  text?: string;
  /** At most this many results, best first. */
  maxChunks: number;
  /** Drop results scoring below this (scores: higher is better). */
  scoreThreshold?: number;
  /** Hybrid only; RRF with impact factor 60 when absent. */
  reranker?: ChunkReranker;
  /** Only chunks whose `metadata` satisfies this. */
  filter?: AttributeFilter;
}

export interface ChunkMatch {
  chunkId: string;
  content: string;
  metadata: Record<string, unknown>;
  chunkMetadata: Record<string, unknown>;
  /** Higher is better: cosine similarity for vector search, a relevance score otherwise. */
  score: number;
}

/** A chunk as its store keeps it. */
export interface StoredChunk {
  chunkId: string;
  content: string;
  metadata: Record<string, unknown>;
  chunkMetadata: Record<string, unknown>;
  /** The embedding as inserted (to float32 precision); only when asked for. */
  embedding?: number[];
}

/** Which chunks of a store: those of one source file (`chunkMetadata.file_id`), or those with the listed ids. */
export type ChunkSelector = { fileId: string } | { chunkIds: readonly string[] };

/**
 * A provider's chunks are the only copy: the core keeps no chunks of its own, so it rebuilds a
 * file's content, returns embeddings and changes attributes through this interface.
 */
export interface VectorIOProvider {
  /** Creates (or reopens, after a restart) the storage of a vector store. */
  registerVectorStore(store: VectorStoreDefinition): Promise<void>;
  /** Drops a vector store and all its chunks. */
  unregisterVectorStore(storeId: string): Promise<void>;
  /**
   * Adds chunks, replacing those with the same chunkId; all or nothing. A replaced chunk counts
   * as inserted now: listChunks puts it after the chunks inserted before it.
   */
  insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void>;
  /** Removes the selected chunks; ids the store does not have are ignored. */
  deleteChunks(storeId: string, selector: ChunkSelector): Promise<void>;
  queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]>;
  /**
   * The selected chunks in the order they were inserted (a file's content is rebuilt from them),
   * with their embeddings only when `includeEmbeddings` is set; ids the store does not have are
   * ignored.
   */
  listChunks(storeId: string, selector: ChunkSelector, options?: { includeEmbeddings?: boolean }): Promise<StoredChunk[]>;
  /**
   * Replaces the `metadata` of every chunk of a file, all or nothing, so filters match the new
   * values at once; content, embeddings, `chunkMetadata` and insertion order are kept.
   */
  updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void>;
}
