import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  ConfigError,
  ConflictError,
  isCriaError,
  type KvStore,
  type ProviderLifecycle,
  type ProviderLogger,
  type StoredChunk,
  UpstreamError,
  type VectorChunk,
  type VectorIOProvider,
  type VectorStoreDefinition,
} from '@cria/api';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, fuseRankings, KvRegistry, lastOfEachId, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { type PgvectorDistanceMetric, type PgvectorSettings, type ResolvedVectorIndex, resolveVectorIndex } from './pgvector-config.js';
import { PgvectorStore } from './pgvector-store.js';

/** Registry keys in the persistence namespace: one per vector store. */
const REGISTRY_PREFIX = 'vector_stores::';

/** pgvector's ceiling for hnsw.ef_search. */
const MAX_EF_SEARCH = 1000;

/** What the registry keeps of a vector store: its definition and its table. */
interface RegisteredStore extends VectorStoreDefinition {
  table: string;
}

/** A table name that is a safe identifier within PostgreSQL's 63 bytes and unique per store id. */
export function tableName(storeId: string): string {
  const readable = storeId.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  return `vs_${readable}_${createHash('sha256').update(storeId).digest('hex').slice(0, 12)}`;
}

function versionAtLeast(version: string, minimum: [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

/**
 * `remote::pgvector`: every vector store is a table in PostgreSQL with the pgvector extension
 * (see PgvectorStore), reached through a pg pool; the registry of stores is in the provider's
 * key-value `persistence`, so stores reopen after a restart. A table per store (rather than
 * one table with a store column) gives each store its own `vector(n)` dimension and its own
 * HNSW graph, so a store's search never wades through, or filters out, other stores' vectors.
 */
export class PgvectorVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly stores = new Map<string, PgvectorStore>();
  /** The first connection's setup (extension, stores reopened); reset when it fails, so the next use tries again. */
  private connecting: Promise<void> | null = null;
  /** pgvector 0.8 brought iterative index scans, which keep filtered ANN searches from coming back short. */
  private iterativeScans = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly registry: KvRegistry<RegisteredStore>,
    private readonly metric: PgvectorDistanceMetric,
    private readonly index: ResolvedVectorIndex,
    private readonly endpoint: string,
    private readonly providerId: string,
    private readonly logger: ProviderLogger,
  ) {}

  /**
   * Connects, creates the vector extension if missing and reopens every registered store. A
   * server that cannot be reached does not stop the start (a distribution may name one that is
   * not up yet): health says so, each use fails with an UpstreamError naming host:port and tries
   * to connect again.
   */
  static async open(settings: PgvectorSettings, persistence: KvStore, providerId: string, logger: ProviderLogger): Promise<PgvectorVectorIO> {
    const registry = new KvRegistry<RegisteredStore>(persistence, REGISTRY_PREFIX);
    const index = resolveVectorIndex(settings.vector_index);
    if (index.type === 'IVFFlat' && index.probes >= index.lists) {
      throw new ConfigError('', `vector_index.probes (${index.probes}) must be less than vector_index.lists (${index.lists}) for an approximate search`);
    }
    const host = settings.host ?? 'localhost';
    const port = Number(settings.port ?? 5432);
    const pool = new pg.Pool({
      host,
      port,
      database: settings.db ?? undefined,
      user: settings.user ?? undefined,
      password: settings.password ?? undefined,
      max: settings.pool_size ?? 10,
      connectionTimeoutMillis: Math.round((settings.connect_timeout ?? 10) * 1000),
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that breaks (server restart) must not crash the process; the next query reconnects.
    pool.on('error', (error) => logger.warn('idle PostgreSQL connection failed', { error: error.message }));
    const endpoint = `${host}:${port}`;
    const provider = new PgvectorVectorIO(pool, registry, settings.distance_metric ?? 'COSINE', index, endpoint, providerId, logger);
    try {
      await provider.connected();
    } catch (error) {
      if (!(error instanceof UpstreamError)) {
        await pool.end().catch(() => undefined);
        throw error;
      }
      logger.warn('PostgreSQL cannot be reached; vector stores of this provider fail until it can', { endpoint, error: error.message });
    }
    return provider;
  }

  private connected(): Promise<void> {
    this.connecting ??= this.connect().catch((error: unknown) => {
      this.connecting = null;
      throw error;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const version = await PgvectorVectorIO.ensureExtension(this.pool, this.endpoint, this.providerId);
    this.iterativeScans = versionAtLeast(version, [0, 8]);
    for (const store of await this.registry.list()) await this.openStore(store);
    this.logger.debug('pgvector connected', { endpoint: this.endpoint, pgvector: version, stores: this.stores.size });
  }

  private static async ensureExtension(pool: pg.Pool, endpoint: string, providerId: string): Promise<string> {
    try {
      await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
      const { rows } = await pool.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
      return rows[0]!.extversion;
    } catch (error) {
      throw upstreamError(error, endpoint, providerId);
    }
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    await this.connected();
    const registered = await this.registry.get(definition.id);
    checkVectorStoreDefinition(definition, registered);
    const store: RegisteredStore = { id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension, table: registered?.table ?? tableName(definition.id) };
    await this.openStore(store);
    await this.registry.put(store);
  }

  /** Drops the store's table; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    await this.connected();
    const store = this.stores.get(storeId);
    if (store) {
      await this.withClient((client) => store.drop(client));
      this.stores.delete(storeId);
    }
    await this.registry.delete(storeId);
  }

  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    await this.connected();
    const store = this.store(storeId);
    chunks.forEach((chunk, index) => checkEmbedding(chunk.embedding, store.dimension, `chunks[${index}].embedding`, this.embeddingChecks));
    if (chunks.length === 0) return;
    await this.transaction((client) => store.insert(client, lastOfEachId(chunks)));
    try {
      if (await this.withClient((client) => store.buildDeferredIndex(client))) this.logger.info('built the IVFFlat index', { vector_store: storeId });
    } catch (error) {
      // The chunks are in; without the index, search stays exact. The next insert tries again.
      this.logger.warn('could not build the IVFFlat index', { vector_store: storeId, error: (error as Error).message });
    }
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    await this.connected();
    const store = this.store(storeId);
    await this.withClient((client) => store.delete(client, selector));
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    await this.connected();
    const store = this.store(storeId);
    const embedding = checkChunkQuery(query, store.dimension, this.embeddingChecks);
    const { maxChunks, filter } = query;
    const search = async (client: pg.PoolClient): Promise<ChunkMatch[]> => {
      if (query.mode === 'keyword') return store.keyword(client, query.text!, maxChunks, filter);
      const vector = await store.nearest(client, embedding!, maxChunks, filter, this.searchSettings(maxChunks, filter !== undefined));
      if (query.mode === 'vector') return vector;
      return fuseRankings(vector, await store.keyword(client, query.text!, maxChunks, filter), query.reranker).slice(0, maxChunks);
    };
    // Vector search runs in a transaction, which scopes its SET LOCAL index settings.
    const matches = query.mode === 'keyword' ? await this.withClient(search) : await this.transaction(search);
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    await this.connected();
    const store = this.store(storeId);
    return this.withClient((client) => store.list(client, selector, options.includeEmbeddings === true));
  }

  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    await this.connected();
    const store = this.store(storeId);
    await this.withClient((client) => store.updateMetadata(client, selector.fileId, metadata));
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.connected();
      await this.withClient((client) => client.query('SELECT 1'));
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    this.stores.clear();
    await this.pool.end();
  }

  /** The index settings of a vector search returning `limit` rows. */
  private searchSettings(limit: number, filtered: boolean): string[] {
    const settings: string[] = [];
    // HNSW returns at most ef_search rows, so it is raised to the number of results asked for.
    const efSearch = Math.min(MAX_EF_SEARCH, Math.max(this.index.type === 'HNSW' ? this.index.efSearch : 40, limit));
    settings.push(`hnsw.ef_search = ${efSearch}`);
    if (this.index.type === 'IVFFlat') settings.push(`ivfflat.probes = ${this.index.probes}`);
    if (filtered && this.iterativeScans) settings.push('hnsw.iterative_scan = strict_order', 'ivfflat.iterative_scan = relaxed_order');
    return settings;
  }

  /** Only cosine leaves the zero vector undefined; the other metrics compare it like any vector. */
  private get embeddingChecks(): { allowZeroVector: boolean } {
    return { allowZeroVector: this.metric !== 'COSINE' };
  }

  private async openStore(definition: RegisteredStore): Promise<void> {
    const store = new PgvectorStore(definition.table, definition.embeddingDimension, this.metric, this.index);
    await this.withClient(async (client) => {
      const existing = await store.storedDimension(client);
      if (existing !== null && existing !== definition.embeddingDimension) {
        throw new ConflictError(`The table of vector store '${definition.id}' holds ${existing}-dimensional embeddings, not ${definition.embeddingDimension}.`);
      }
      await store.create(client);
    });
    this.stores.set(definition.id, store);
  }

  private store(storeId: string): PgvectorStore {
    const store = this.stores.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw upstreamError(error, this.endpoint, this.providerId);
    }
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = !(error instanceof pg.DatabaseError) && !isCriaError(error);
      throw upstreamError(error, this.endpoint, this.providerId);
    } finally {
      // A connection that failed below the SQL level is discarded rather than reused.
      client.release(broken);
    }
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

/** Cria's errors pass through; anything from pg or the network becomes an UpstreamError naming the server. */
function upstreamError(error: unknown, endpoint: string, providerId: string): Error {
  if (isCriaError(error)) return error;
  const cause = error as Error & { code?: string; errors?: Error[] };
  if (error instanceof pg.DatabaseError) {
    return new UpstreamError(providerId, `PostgreSQL at ${endpoint} failed: ${error.message}`, { code: error.code ?? null, cause: error });
  }
  // Node reports a refused connection to a name with several addresses as an AggregateError with an empty message.
  const detail = cause.message || cause.errors?.map((inner) => inner.message).join('; ') || cause.code || String(error);
  return new UpstreamError(providerId, `Cannot reach PostgreSQL at ${endpoint}: ${detail}`, { code: cause.code ?? null, cause: error });
}
