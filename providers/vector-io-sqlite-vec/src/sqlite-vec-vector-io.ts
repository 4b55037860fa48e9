import { createHash } from 'node:crypto';
import * as sqliteVec from 'sqlite-vec';
import {
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  ConflictError,
  type KvStore,
  type ProviderLifecycle,
  type ProviderLogger,
  type StoredChunk,
  type VectorChunk,
  type VectorIOProvider,
  type VectorStoreDefinition,
} from '@cria/api';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, fuseRankings, KvRegistry, lastOfEachId, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { SqliteConnection } from '@cria/sqlite';
import { SqliteVecReader } from './sqlite-vec-reader.js';
import { SqliteVecStore } from './sqlite-vec-store.js';

/** Exact search reads every embedding per query: through a memory map that costs about a third less than through SQLite's page cache (SQLite caps the size at its compiled limit). */
const MMAP_SIZE = 8 * 1024 ** 3;

/** Registry keys in the persistence namespace: one per vector store. */
const REGISTRY_PREFIX = 'vector_stores::';

/** What the registry keeps of a vector store: its definition and the base name of its tables. */
interface RegisteredStore extends VectorStoreDefinition {
  table: string;
}

/** A table base name that is a safe SQL identifier and unique per store id (the hash tells apart ids that sanitise alike). */
export function tableBaseName(storeId: string): string {
  const readable = storeId.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `vs_${readable}_${createHash('sha256').update(storeId).digest('hex').slice(0, 12)}`;
}

/**
 * `inline::sqlite-vec`: every vector store is a set of tables in one SQLite file (see
 * SqliteVecStore); the registry of stores is in the provider's key-value `persistence`, so
 * stores reopen after a restart. Searches run on a reader thread (SqliteVecReader): an exact
 * search takes tens of milliseconds on 100,000 chunks, which a synchronous SQLite binding would
 * spend holding the event loop.
 */
export class SqliteVecVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly stores = new Map<string, SqliteVecStore>();

  private readonly reader: SqliteVecReader;

  private constructor(
    private readonly db: SqliteConnection,
    extension: string,
    private readonly registry: KvRegistry<RegisteredStore>,
  ) {
    this.reader = new SqliteVecReader(db, { extension, mmapSize: MMAP_SIZE });
  }

  /** Opens the chunks database at `dbPath` (created if missing) and reopens every registered store. */
  static async open(dbPath: string, persistence: KvStore, logger: ProviderLogger): Promise<SqliteVecVectorIO> {
    const registry = new KvRegistry<RegisteredStore>(persistence, REGISTRY_PREFIX);
    const extension = sqliteVec.getLoadablePath();
    const db = new SqliteConnection(dbPath, { extensions: [extension], pragmas: ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000', `mmap_size = ${MMAP_SIZE}`] });
    const provider = new SqliteVecVectorIO(db, extension, registry);
    try {
      for (const store of await registry.list()) provider.openStore(store);
      logger.debug('sqlite-vec opened', { path: dbPath, driver: db.driver, stores: provider.stores.size, sqlite_vec: db.prepare('SELECT vec_version()').value() });
      return provider;
    } catch (error) {
      await provider.shutdown();
      throw error;
    }
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    const registered = await this.registry.get(definition.id);
    checkVectorStoreDefinition(definition, registered);
    const store: RegisteredStore = { id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension, table: registered?.table ?? tableBaseName(definition.id) };
    this.openStore(store);
    await this.registry.put(store);
  }

  /** Drops the store's tables; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    const store = this.stores.get(storeId);
    if (store) {
      store.drop();
      this.stores.delete(storeId);
    }
    await this.registry.delete(storeId);
  }

  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    const store = this.store(storeId);
    chunks.forEach((chunk, index) => checkEmbedding(chunk.embedding, store.dimension, `chunks[${index}].embedding`));
    if (chunks.length === 0) return;
    this.db.transaction(() => store.insert(lastOfEachId(chunks)));
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    const store = this.store(storeId);
    this.db.transaction(() => store.delete(selector));
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = this.store(storeId);
    const embedding = checkChunkQuery(query, store.dimension);
    let matches: ChunkMatch[];
    if (query.mode === 'vector') matches = await store.nearest(embedding!, query.maxChunks, query.filter, this.reader);
    else if (query.mode === 'keyword') matches = await store.keyword(query.text!, query.maxChunks, query.filter, this.reader);
    else {
      const [vector, keyword] = await Promise.all([store.nearest(embedding!, query.maxChunks, query.filter, this.reader), store.keyword(query.text!, query.maxChunks, query.filter, this.reader)]);
      matches = fuseRankings(vector, keyword, query.reranker).slice(0, query.maxChunks);
    }
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const store = this.store(storeId);
    return this.db.transaction(() => store.list(selector, options.includeEmbeddings === true));
  }

  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    this.store(storeId).updateMetadata(selector.fileId, metadata);
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      this.db.prepare('SELECT vec_version()').get();
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    this.stores.clear();
    await this.reader.close();
    this.db.close();
  }

  private openStore(definition: RegisteredStore): void {
    const store = new SqliteVecStore(this.db, definition.table, definition.embeddingDimension);
    const existing = store.storedDimension();
    if (existing !== null && existing !== definition.embeddingDimension) {
      throw new ConflictError(`The tables of vector store '${definition.id}' hold ${existing}-dimensional embeddings, not ${definition.embeddingDimension}.`);
    }
    store.create();
    this.stores.set(definition.id, store);
  }

  private store(storeId: string): SqliteVecStore {
    const store = this.stores.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }
}
