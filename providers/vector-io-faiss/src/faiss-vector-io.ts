import {
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  type KvStore,
  type ProviderLifecycle,
  type StoredChunk,
  UnsupportedError,
  type VectorChunk,
  type VectorIOProvider,
  type VectorStoreDefinition,
} from '@cria/api';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, KvRegistry, lastOfEachId, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { FlatIndex, type IndexedChunk, indexedChunk, storedChunk, unitVector } from './faiss-flat-index.js';

/** Registry keys in the persistence namespace: one per vector store. */
const REGISTRY_PREFIX = 'vector_stores::';
/** Chunk keys: `chunks::<encoded store id>::<sequence>`, so a store's chunks are one key range in insertion order. */
const CHUNK_PREFIX = 'chunks::';
const SEQUENCE_DIGITS = 16;

/** A chunk as the key-value store keeps it; the embedding is its float32 bytes in base64. */
interface PersistedChunk {
  sequence: number;
  chunkId: string;
  content: string;
  metadata: Record<string, unknown>;
  chunkMetadata: Record<string, unknown>;
  embedding: string;
}

/** The key range of one store's chunks; encodeURIComponent keeps ids that differ only in punctuation apart and never yields ':'. */
function chunkRange(storeId: string): { start: string; end: string } {
  const prefix = `${CHUNK_PREFIX}${encodeURIComponent(storeId)}::`;
  // ';' follows ':' in every key order, so [prefix, prefix with ';' last) is exactly the prefix's keys.
  return { start: prefix, end: `${prefix.slice(0, -1)};` };
}

function chunkKey(storeId: string, sequence: number): string {
  return chunkRange(storeId).start + String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

function persisted(chunk: IndexedChunk): PersistedChunk {
  const bytes = Buffer.from(chunk.embedding.buffer, chunk.embedding.byteOffset, chunk.embedding.byteLength);
  return { sequence: chunk.sequence, chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata, embedding: bytes.toString('base64') };
}

function revived(chunk: PersistedChunk): IndexedChunk {
  const bytes = Buffer.from(chunk.embedding, 'base64');
  const embedding = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { sequence: chunk.sequence, chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata, embedding, unit: unitVector(embedding) };
}

/**
 * `inline::faiss`: each vector store is an exact in-memory index (FlatIndex), every chunk also
 * written to the provider's key-value `persistence`, from which the indexes are rebuilt at start.
 * No faiss binding installs from the npm registry alone (faiss-node downloads its prebuilt binary
 * from GitHub), so the flat index Llama Stack's provider uses is implemented here. Like Llama
 * Stack's faiss, it searches by vector only: keyword and hybrid queries are refused.
 */
export class FaissVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly indexes = new Map<string, FlatIndex>();
  /** Writes run one after another, so the key-value store and the indexes change in the same order. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly kv: KvStore,
    private readonly registry: KvRegistry<VectorStoreDefinition>,
  ) {}

  /** Reopens every registered store from `persistence`. */
  static async open(kv: KvStore): Promise<FaissVectorIO> {
    const provider = new FaissVectorIO(kv, new KvRegistry<VectorStoreDefinition>(kv, REGISTRY_PREFIX));
    for (const store of await provider.registry.list()) {
      const index = new FlatIndex(store.embeddingDimension);
      const { start, end } = chunkRange(store.id);
      for (const chunk of await kv.valuesInRange<PersistedChunk>(start, end)) index.put(revived(chunk));
      provider.indexes.set(store.id, index);
    }
    return provider;
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    return this.serially(async () => {
      const registered = await this.registry.get(definition.id);
      checkVectorStoreDefinition(definition, registered);
      await this.registry.put({ id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension });
      if (!this.indexes.has(definition.id)) this.indexes.set(definition.id, new FlatIndex(definition.embeddingDimension));
    });
  }

  /** Drops the store's chunks; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    return this.serially(async () => {
      const { start, end } = chunkRange(storeId);
      for (const key of await this.kv.keysInRange(start, end)) await this.kv.delete(key);
      await this.registry.delete(storeId);
      this.indexes.delete(storeId);
    });
  }

  /** Checks every chunk first, so a bad embedding rejects the whole call before anything is written; stores are looked up again once the write's turn comes. */
  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    const { dimension } = this.index(storeId);
    chunks.forEach((chunk, position) => checkEmbedding(chunk.embedding, dimension, `chunks[${position}].embedding`));
    return this.serially(async () => {
      const index = this.index(storeId);
      for (const chunk of lastOfEachId(chunks)) {
        const entry = indexedChunk(chunk, index.nextSequence());
        await this.kv.set(chunkKey(storeId, entry.sequence), persisted(entry));
        const replaced = index.put(entry);
        if (replaced) await this.kv.delete(chunkKey(storeId, replaced.sequence));
      }
    });
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    this.index(storeId);
    return this.serially(async () => {
      const index = this.index(storeId);
      const selected = 'fileId' in selector ? index.ofFile(selector.fileId) : index.withIds(selector.chunkIds);
      for (const chunk of selected) {
        await this.kv.delete(chunkKey(storeId, chunk.sequence));
        index.remove(chunk.chunkId);
      }
    });
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const index = this.index(storeId);
    const embedding = checkChunkQuery(query, index.dimension);
    if (query.mode !== 'vector') {
      throw new UnsupportedError(`inline::faiss searches by vector only, as Llama Stack's faiss does; ${query.mode} search needs a provider with keyword search (inline::sqlite-vec, remote::pgvector, remote::chromadb).`, { param: 'search_mode' });
    }
    return withinScoreThreshold(index.nearest(embedding!, query.maxChunks, query.filter), query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const index = this.index(storeId);
    const selected = 'fileId' in selector ? index.ofFile(selector.fileId) : index.withIds(selector.chunkIds);
    return selected.map((chunk) => storedChunk(chunk, options.includeEmbeddings === true));
  }

  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    this.index(storeId);
    return this.serially(async () => {
      const index = this.index(storeId);
      const updated = index.ofFile(selector.fileId).map((chunk) => ({ ...chunk, metadata }));
      for (const chunk of updated) await this.kv.set(chunkKey(storeId, chunk.sequence), persisted(chunk));
      for (const chunk of updated) index.get(chunk.chunkId)!.metadata = metadata;
    });
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.registry.list();
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: `The persistence store of inline::faiss does not answer: ${(error as Error).message}` };
    }
  }

  async shutdown(): Promise<void> {
    await this.writes.catch(() => undefined);
    this.indexes.clear();
  }

  private index(storeId: string): FlatIndex {
    const index = this.indexes.get(storeId);
    if (!index) throw vectorStoreNotFound(storeId);
    return index;
  }

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write, write);
    this.writes = result.catch(() => undefined);
    return result;
  }
}
