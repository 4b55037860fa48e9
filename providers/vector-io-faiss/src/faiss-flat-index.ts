import type { AttributeFilter, ChunkMatch, StoredChunk, VectorChunk } from '@cria/api';
import { matchesAttributeFilter } from '@cria/provider-utils/vector-io';

/** A chunk as the index holds it: its embedding to float32 precision, and that embedding scaled to unit length for cosine similarity. */
export interface IndexedChunk {
  /** Insertion order: a replaced chunk gets a new, higher sequence number. */
  sequence: number;
  chunkId: string;
  content: string;
  metadata: Record<string, unknown>;
  chunkMetadata: Record<string, unknown>;
  embedding: Float32Array;
  unit: Float32Array;
}

export function unitVector(embedding: ArrayLike<number>): Float32Array {
  const unit = Float32Array.from(embedding);
  let norm = 0;
  for (let index = 0; index < unit.length; index++) norm += unit[index]! * unit[index]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < unit.length; index++) unit[index]! /= norm;
  return unit;
}

export function indexedChunk(chunk: VectorChunk, sequence: number): IndexedChunk {
  const embedding = Float32Array.from(chunk.embedding);
  return { sequence, chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata ?? {}, embedding, unit: unitVector(embedding) };
}

/**
 * An exact (flat) index, what Llama Stack's faiss provider builds with IndexFlatL2: every query
 * compares the query with every chunk. Scores are cosine similarity (the inner product of unit
 * vectors, as faiss's IndexFlatIP over normalised vectors), which the vector IO contract asks for.
 */
export class FlatIndex {
  /** In insertion order: a Map iterates in the order keys were (re)added. */
  private readonly chunks = new Map<string, IndexedChunk>();
  private lastSequence = 0;

  constructor(readonly dimension: number) {}

  get size(): number {
    return this.chunks.size;
  }

  nextSequence(): number {
    return ++this.lastSequence;
  }

  /** Adds a chunk, replacing the one with the same id (which then counts as inserted now). */
  put(chunk: IndexedChunk): IndexedChunk | undefined {
    const replaced = this.chunks.get(chunk.chunkId);
    this.chunks.delete(chunk.chunkId);
    this.chunks.set(chunk.chunkId, chunk);
    this.lastSequence = Math.max(this.lastSequence, chunk.sequence);
    return replaced;
  }

  get(chunkId: string): IndexedChunk | undefined {
    return this.chunks.get(chunkId);
  }

  remove(chunkId: string): IndexedChunk | undefined {
    const chunk = this.chunks.get(chunkId);
    this.chunks.delete(chunkId);
    return chunk;
  }

  /** The chunks of one source file, in insertion order. */
  ofFile(fileId: string): IndexedChunk[] {
    return [...this.chunks.values()].filter((chunk) => chunk.chunkMetadata.file_id === fileId);
  }

  /** The chunks with these ids, in insertion order. */
  withIds(chunkIds: readonly string[]): IndexedChunk[] {
    const wanted = new Set(chunkIds);
    return [...this.chunks.values()].filter((chunk) => wanted.has(chunk.chunkId));
  }

  /** The `k` chunks satisfying `filter` most similar to `embedding`, best first. */
  nearest(embedding: readonly number[], k: number, filter: AttributeFilter | undefined): ChunkMatch[] {
    const query = unitVector(embedding);
    const scored: { chunk: IndexedChunk; score: number }[] = [];
    for (const chunk of this.chunks.values()) {
      if (filter && !matchesAttributeFilter(chunk.metadata, filter)) continue;
      let dot = 0;
      for (let index = 0; index < query.length; index++) dot += query[index]! * chunk.unit[index]!;
      scored.push({ chunk, score: dot });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, k).map(({ chunk, score }) => ({ chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata, score }));
  }
}

export function storedChunk(chunk: IndexedChunk, includeEmbedding: boolean): StoredChunk {
  const stored: StoredChunk = { chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata };
  if (includeEmbedding) stored.embedding = Array.from(chunk.embedding);
  return stored;
}
