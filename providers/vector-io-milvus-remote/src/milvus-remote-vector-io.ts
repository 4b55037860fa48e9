import { createHash } from 'node:crypto';
import { HttpClient, HttpError } from '@zilliz/milvus2-sdk-node';
import {
  AuthenticationError,
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  ConflictError,
  isCriaError,
  type KvStore,
  type ProviderLifecycle,
  type StoredChunk,
  UnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
  type VectorChunk,
  type VectorIOProvider,
  type VectorStoreDefinition,
} from '@cria/api';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, fuseRankings, KvRegistry, lastOfEachId, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { unreachableCode } from '@cria/provider-utils';
import { milvusEndpoint, type MilvusRemoteSettings } from './milvus-remote-config.js';
import { attributeFilterToMilvus, type MilvusExpression, milvusLiteral } from './milvus-remote-filter.js';

/** Llama Stack's registry prefix, so a Llama Stack kvstore's stores are found (as their collections are). */
const REGISTRY_PREFIX = 'vector_stores:milvus:v3::';

/** Entities per upsert request and per query page; Milvus caps a query's offset + limit at 16384. */
const BATCH = 256;
const QUERY_WINDOW = 16_384;

/** Milvus' error code for a request without valid credentials (`user hasn't authenticated`). */
const UNAUTHENTICATED_CODES = new Set([1800]);

/** The chunk as Llama Stack's `chunk_content` JSON field keeps it (EmbeddedChunk.model_dump()). */
interface ChunkContent {
  chunk_id: string;
  content: string;
  metadata: Record<string, unknown>;
  chunk_metadata: Record<string, unknown>;
  embedding: number[];
}

/** An entity of a store's collection: Llama Stack's fields, plus `seq` for insertion order. */
interface ChunkEntity {
  chunk_id: string;
  content: string;
  vector?: number[];
  chunk_content: ChunkContent;
  /** Absent in a collection Llama Stack created. */
  seq?: number;
}

interface MilvusReply<T> {
  code: number;
  message?: string;
  data: T;
}

interface RegisteredStore extends VectorStoreDefinition {
  /** The store's collection; absent in a registry Llama Stack wrote, whose collections are named by llamaStackCollectionName. */
  collectionName?: string;
}

/** Llama Stack's collection name for a store id: anything but letters, digits and `_` becomes `_`. */
export function llamaStackCollectionName(storeId: string): string {
  return storeId.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * The collection of a new store: Llama Stack's name when the id is one already, else that name
 * with a hash of the id, so ids that differ only in punctuation (`vs-a`, `vs_a`) stay apart.
 */
export function collectionName(storeId: string): string {
  const sanitised = llamaStackCollectionName(storeId);
  if (sanitised === storeId && /^[A-Za-z_]/.test(storeId)) return storeId;
  return `${/^[A-Za-z_]/.test(sanitised) ? '' : '_'}${sanitised.slice(0, 200)}_${createHash('sha256').update(storeId).digest('hex').slice(0, 12)}`;
}

/** The collection's schema: Llama Stack's (a BM25 function filling `sparse` from `content`) with the English analyzer, and `seq`. */
function collectionSchema(dimension: number): Record<string, unknown> {
  return {
    autoId: false,
    enableDynamicField: false,
    fields: [
      { fieldName: 'chunk_id', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: 100 } },
      { fieldName: 'content', dataType: 'VarChar', elementTypeParams: { max_length: 65535, enable_analyzer: true, analyzer_params: { type: 'english' } } },
      { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: dimension } },
      { fieldName: 'chunk_content', dataType: 'JSON' },
      { fieldName: 'sparse', dataType: 'SparseFloatVector' },
      { fieldName: 'seq', dataType: 'Int64' },
    ],
    functions: [{ name: 'text_bm25_emb', type: 'BM25', inputFieldNames: ['content'], outputFieldNames: ['sparse'], params: {} }],
  };
}

const INDEX_PARAMS = [
  { fieldName: 'vector', indexName: 'vector', metricType: 'COSINE', params: { index_type: 'FLAT' } },
  { fieldName: 'sparse', indexName: 'sparse', metricType: 'BM25', params: { index_type: 'SPARSE_INVERTED_INDEX' } },
];

const SEARCH_FIELDS = ['chunk_id', 'chunk_content'];

/**
 * `remote::milvus`: a Milvus collection per vector store (named by the sanitised store id, as in
 * Llama Stack) over Milvus' RESTful API v2. Vector search is a COSINE search on `vector`; keyword
 * search is Milvus' full-text search (a BM25 function fills the sparse field `sparse` from
 * `content`), scored by Milvus; hybrid fuses the two rankings here with RRF or the weighted
 * reranker. Nothing is asked of Milvus at start-up: stores come from the registry in
 * `persistence`, and a missing uri or an unreachable server shows in health() and as a 503.
 */
export class MilvusRemoteVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly registry: KvRegistry<RegisteredStore>;
  private readonly client: HttpClient | null;
  private readonly endpoint: string | null;
  private lastSeq = 0;
  private readonly seqFields = new Map<string, boolean>();

  constructor(
    private readonly settings: MilvusRemoteSettings,
    persistence: KvStore,
    private readonly providerId: string,
  ) {
    this.registry = new KvRegistry<RegisteredStore>(persistence, REGISTRY_PREFIX);
    this.endpoint = milvusEndpoint(settings.uri);
    this.client = this.endpoint
      ? new HttpClient({
          endpoint: this.endpoint,
          acceptInt64: true,
          ...(settings.token ? { token: settings.token } : settings.user && settings.password ? { username: settings.user, password: settings.password } : {}),
          ...(settings.db_name ? { database: settings.db_name } : {}),
          ...(settings.timeout ? { timeout: settings.timeout * 1000 } : {}),
        })
      : null;
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    const registered = await this.registry.get(definition.id);
    checkVectorStoreDefinition(definition, registered);
    const name = registered ? nameOf(registered) : collectionName(definition.id);
    const { has } = await this.request<{ has: boolean }>((client) => client.hasCollection({ dbName: this.database, collectionName: name }));
    if (has) {
      const described = await this.request<{ fields?: { name: string; params?: { key: string; value: string }[] }[] }>((client) => client.describeCollection({ collectionName: name }));
      const dimension = described.fields?.find((field) => field.name === 'vector')?.params?.find((param) => param.key === 'dim')?.value;
      if (dimension !== undefined && Number(dimension) !== definition.embeddingDimension) {
        throw new ConflictError(`Milvus collection '${name}' holds ${dimension}-dimensional vectors, not ${definition.embeddingDimension}.`);
      }
      this.seqFields.set(name, described.fields?.some((field) => field.name === 'seq') ?? false);
    } else {
      await this.request((client) =>
        client.createCollection({
          collectionName: name,
          schema: collectionSchema(definition.embeddingDimension),
          indexParams: INDEX_PARAMS,
          params: { consistencyLevel: this.settings.consistency_level ?? 'Strong' },
        } as never),
      );
      this.seqFields.set(name, true);
    }
    await this.registry.put({ id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension, collectionName: name });
  }

  /** Drops the store's collection; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    const registered = await this.registry.get(storeId);
    if (registered) {
      const name = nameOf(registered);
      const { has } = await this.request<{ has: boolean }>((client) => client.hasCollection({ dbName: this.database, collectionName: name }));
      if (has) await this.request((client) => client.dropCollection({ collectionName: name }));
      this.seqFields.delete(name);
    }
    await this.registry.delete(storeId);
  }

  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    const store = await this.store(storeId);
    chunks.forEach((chunk, index) => checkEmbedding(chunk.embedding, store.embeddingDimension, `chunks[${index}].embedding`));
    const distinct = lastOfEachId(chunks);
    if (distinct.length === 0) return;
    const first = Math.max(Date.now() * 1000, this.lastSeq + 1);
    this.lastSeq = first + distinct.length - 1;
    const withSeq = await this.hasSeq(nameOf(store));
    const entities: ChunkEntity[] = distinct.map((chunk, index) => ({
      chunk_id: chunk.chunkId,
      content: chunk.content,
      vector: [...chunk.embedding],
      chunk_content: { chunk_id: chunk.chunkId, content: chunk.content, metadata: chunk.metadata ?? {}, chunk_metadata: chunk.chunkMetadata ?? {}, embedding: [...chunk.embedding] },
      ...(withSeq ? { seq: first + index } : {}),
    }));
    await this.upsert(nameOf(store), entities);
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    const store = await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return;
    await this.request((client) => client.delete({ collectionName: nameOf(store), filter: selection(selector) }));
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = await this.store(storeId);
    const embedding = checkChunkQuery(query, store.embeddingDimension);
    const filter = query.filter ? attributeFilterToMilvus(query.filter) : undefined;
    if (filter === null) return [];
    let matches: ChunkMatch[];
    if (query.mode === 'keyword') matches = await this.keyword(nameOf(store), query.text!, query.maxChunks, filter);
    else {
      const vector = await this.search(nameOf(store), [[...embedding!]], 'vector', query.maxChunks, filter);
      matches = query.mode === 'vector' ? vector : fuseRankings(vector, await this.keyword(nameOf(store), query.text!, query.maxChunks, filter), query.reranker).slice(0, query.maxChunks);
    }
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const store = await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return [];
    const withSeq = await this.hasSeq(nameOf(store));
    const entities = await this.queryAll(nameOf(store), selection(selector), withSeq ? [...SEARCH_FIELDS, 'seq'] : SEARCH_FIELDS);
    return entities
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((entity) => (options.includeEmbeddings ? { ...toChunk(entity), embedding: entity.chunk_content.embedding } : toChunk(entity)));
  }

  /** Milvus updates no JSON in place, so the file's entities are read whole and upserted with the new metadata (same seq). */
  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    const store = await this.store(storeId);
    const withSeq = await this.hasSeq(nameOf(store));
    const entities = await this.queryAll(nameOf(store), selection(selector), ['chunk_id', 'content', 'vector', 'chunk_content', ...(withSeq ? ['seq'] : [])]);
    await this.upsert(
      nameOf(store),
      entities.map((entity) => ({ ...entity, ...(withSeq ? { seq: Number(entity.seq) } : {}), chunk_content: { ...entity.chunk_content, metadata } })),
    );
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.request((client) => client.listCollections({ dbName: this.database }));
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {}

  private get database(): string {
    return this.settings.db_name || 'default';
  }

  private async store(storeId: string): Promise<RegisteredStore> {
    const store = await this.registry.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  /**
   * Whether the collection has Cria's `seq` field (asked once per collection): one Llama Stack
   * created has not, so its chunks are written without it and listed in Milvus' order.
   */
  private async hasSeq(name: string): Promise<boolean> {
    let known = this.seqFields.get(name);
    if (known === undefined) {
      const described = await this.request<{ fields?: { name: string }[] }>((client) => client.describeCollection({ dbName: this.database, collectionName: name }));
      known = described.fields?.some((field) => field.name === 'seq') ?? false;
      this.seqFields.set(name, known);
    }
    return known;
  }

  private async upsert(name: string, entities: ChunkEntity[]): Promise<void> {
    for (let start = 0; start < entities.length; start += BATCH) {
      const batch = entities.slice(start, start + BATCH);
      await this.request((client) => client.upsert({ collectionName: name, data: batch as unknown as Record<string, unknown>[] }));
    }
  }

  /** A search on `annsField` (`vector` for an embedding, `sparse` for a text), best first; Milvus' distance is the COSINE similarity or the BM25 score. */
  private async search(name: string, data: number[][] | string[], annsField: 'vector' | 'sparse', limit: number, filter: MilvusExpression | undefined): Promise<ChunkMatch[]> {
    const hits = await this.request<(ChunkEntity & { distance: number | string })[]>((client) =>
      client.search({
        collectionName: name,
        data: data as never,
        annsField,
        limit,
        outputFields: SEARCH_FIELDS,
        ...(filter ? { filter } : {}),
        ...(annsField === 'sparse' ? { searchParams: { params: { drop_ratio_search: 0 } } } : {}),
      }),
    );
    return hits.map((hit) => ({ ...toChunk(hit), score: Number(hit.distance) }));
  }

  /** Milvus' full-text search; a text without a word (which Milvus' analyzer would reduce to nothing) finds nothing. */
  private async keyword(name: string, text: string, limit: number, filter: MilvusExpression | undefined): Promise<ChunkMatch[]> {
    if (!/[\p{L}\p{N}]/u.test(text)) return [];
    const matches = await this.search(name, [text], 'sparse', limit, filter);
    return matches.filter((match) => match.score > 0);
  }

  private async queryAll(name: string, filter: string, outputFields: string[]): Promise<ChunkEntity[]> {
    const entities: ChunkEntity[] = [];
    for (let offset = 0; offset < QUERY_WINDOW; offset += BATCH) {
      const page = await this.request<ChunkEntity[]>((client) =>
        client.query({ collectionName: name, filter, outputFields, limit: Math.min(BATCH, QUERY_WINDOW - offset), offset }),
      );
      entities.push(...page);
      if (page.length < BATCH) break;
    }
    return entities;
  }

  /** Runs a REST call, turning a missing uri, transport failures and Milvus' non-zero codes into Cria's errors naming the server. */
  private async request<T = unknown>(work: (client: HttpClient) => Promise<unknown>): Promise<T> {
    if (!this.client || !this.endpoint) {
      throw new UnavailableError('remote::milvus has no server: set uri (env MILVUS_ENDPOINT in the sample config), e.g. http://localhost:19530.');
    }
    let reply: MilvusReply<T>;
    try {
      reply = (await work(this.client)) as MilvusReply<T>;
    } catch (error) {
      throw milvusError(error, this.endpoint, this.providerId);
    }
    if (reply.code !== 0 && reply.code !== 200) {
      if (UNAUTHENTICATED_CODES.has(reply.code) || /authenticat|credential/i.test(reply.message ?? '')) {
        throw new AuthenticationError(`Milvus at ${this.endpoint} refused the credentials (config token, env MILVUS_TOKEN): ${reply.message}`);
      }
      throw new UpstreamError(this.providerId, `Milvus at ${this.endpoint} failed (code ${reply.code}): ${reply.message ?? 'no message'}`);
    }
    return reply.data;
  }
}

function nameOf(store: RegisteredStore): string {
  return store.collectionName ?? llamaStackCollectionName(store.id);
}

function selection(selector: ChunkSelector): string {
  return 'fileId' in selector
    ? `chunk_content["chunk_metadata"]["file_id"] == ${milvusLiteral(selector.fileId)}`
    : `chunk_id in [${selector.chunkIds.map((id) => milvusLiteral(id)).join(', ')}]`;
}

function toChunk(entity: Pick<ChunkEntity, 'chunk_content'>): StoredChunk {
  const chunk = entity.chunk_content;
  return { chunkId: chunk.chunk_id, content: chunk.content, metadata: chunk.metadata ?? {}, chunkMetadata: chunk.chunk_metadata ?? {} };
}

/** Cria's errors pass through; the client's become errors naming the server. */
export function milvusError(error: unknown, endpoint: string, providerId: string): Error {
  if (isCriaError(error)) return error;
  if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') {
    return new UpstreamTimeoutError(providerId, `Milvus at ${endpoint} did not answer in time (config timeout).`, { cause: error });
  }
  if (error instanceof HttpError) {
    if (error.status === 401 || error.status === 403) {
      return new AuthenticationError(`Milvus at ${endpoint} refused the credentials (config token, env MILVUS_TOKEN): ${error.message}`, { cause: error });
    }
    if (error.status === 502 || error.status === 503 || error.status === 504) return new UnavailableError(`Milvus at ${endpoint} is unavailable (${error.status}): ${error.message}`, { cause: error });
    return new UpstreamError(providerId, `Milvus at ${endpoint} failed (${error.status}): ${error.message}`, { status: error.status, cause: error });
  }
  const code = unreachableCode(error);
  if (code) return new UnavailableError(`Milvus at ${endpoint} does not answer (${code}); start it or set uri (env MILVUS_ENDPOINT).`, { cause: error });
  return new UpstreamError(providerId, `Milvus at ${endpoint} failed: ${(error as Error).message}`, { cause: error });
}
