import { createHash } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
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
import { type ElasticsearchSettings, elasticsearchNode } from './elasticsearch-config.js';
import { type Attribute, attributeFilterToQuery, type EsQuery, metadataAttributes } from './elasticsearch-filter.js';

/** Llama Stack's registry prefix. */
const REGISTRY_PREFIX = 'vector_stores:elasticsearch:v3::';

/** Documents per bulk request and per page of a listing. */
const BATCH = 500;

interface RegisteredStore extends VectorStoreDefinition {
  /** The Elasticsearch index holding the store's chunks. */
  index: string;
}

/** A chunk's document: Llama Stack's fields (content, chunk_id, metadata, chunk_metadata, embedding, ...) plus the filterable attributes, its file and its insertion order. */
interface ChunkDocument {
  content: string;
  chunk_id: string;
  metadata: Record<string, unknown>;
  chunk_metadata: Record<string, unknown>;
  embedding?: number[];
  embedding_dimension: number;
  embedding_model: string;
  attributes?: Attribute[];
  file_id: string | null;
  seq: number;
}

interface Hit {
  _id: string;
  _score?: number | null;
  _source?: ChunkDocument;
  sort?: unknown[];
}

/** The store id itself when it is a valid index name (as Llama Stack names indexes), else a lowercase name unique to it. */
export function indexName(storeId: string): string {
  if (/^[a-z0-9][a-z0-9_\-+.]{0,199}$/.test(storeId) && storeId !== '.' && storeId !== '..') return storeId;
  const readable = storeId.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 40);
  return `vs_${readable}_${createHash('sha256').update(storeId).digest('hex').slice(0, 12)}`;
}

function mappings(dimension: number): Record<string, unknown> {
  return {
    dynamic: false,
    properties: {
      content: { type: 'text', analyzer: 'english' },
      chunk_id: { type: 'keyword' },
      metadata: { type: 'object', enabled: false },
      chunk_metadata: { type: 'object', enabled: false },
      embedding: { type: 'dense_vector', dims: dimension, index: true, similarity: 'cosine' },
      embedding_dimension: { type: 'integer' },
      embedding_model: { type: 'keyword' },
      attributes: { type: 'nested', properties: { key: { type: 'keyword' }, string: { type: 'keyword' }, number: { type: 'double' }, boolean: { type: 'boolean' } } },
      file_id: { type: 'keyword' },
      seq: { type: 'long' },
    },
  };
}

/**
 * `remote::elasticsearch`: an index per vector store; chunks are documents with a `dense_vector`
 * (cosine) searched by the kNN query, content analysed by the english analyzer and searched by a
 * BM25 `match` query, and each scalar metadata value in a nested `attributes` field under the
 * field of its type, which filters query. Hybrid search fuses the two rankings here (RRF or
 * weighted), so scores are those of every other provider. Nothing is asked of Elasticsearch at
 * start-up; an unreachable server shows in health() and as a 503 naming it on each request.
 */
export class ElasticsearchVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly registry: KvRegistry<RegisteredStore>;
  private readonly client: Client;
  private readonly node: string;
  private lastSeq = 0;

  constructor(
    settings: ElasticsearchSettings,
    persistence: KvStore,
    private readonly providerId: string,
  ) {
    this.registry = new KvRegistry<RegisteredStore>(persistence, REGISTRY_PREFIX);
    this.node = elasticsearchNode(settings.elasticsearch_url);
    this.client = new Client({ node: this.node, ...(settings.elasticsearch_api_key ? { auth: { apiKey: settings.elasticsearch_api_key } } : {}), maxRetries: 1 });
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    const registered = await this.registry.get(definition.id);
    checkVectorStoreDefinition(definition, registered);
    const index = registered?.index ?? indexName(definition.id);
    await this.call(async () => {
      if (await this.client.indices.exists({ index })) {
        const mapping = await this.client.indices.getMapping({ index });
        const dims = (mapping[index]?.mappings?.properties?.embedding as { dims?: number } | undefined)?.dims;
        if (dims !== undefined && dims !== definition.embeddingDimension) {
          throw new ConflictError(`Elasticsearch index '${index}' holds ${dims}-dimensional embeddings, not ${definition.embeddingDimension}.`);
        }
        return;
      }
      await this.client.indices.create({ index, mappings: mappings(definition.embeddingDimension) as never });
    });
    await this.registry.put({ id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension, index });
  }

  /** Deletes the store's index; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    const store = await this.registry.get(storeId);
    if (store) await this.call(() => this.client.indices.delete({ index: store.index, ignore_unavailable: true }));
    await this.registry.delete(storeId);
  }

  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    const store = await this.store(storeId);
    chunks.forEach((chunk, index) => checkEmbedding(chunk.embedding, store.embeddingDimension, `chunks[${index}].embedding`));
    const distinct = lastOfEachId(chunks);
    if (distinct.length === 0) return;
    const first = Math.max(Date.now() * 1000, this.lastSeq + 1);
    this.lastSeq = first + distinct.length - 1;
    const documents = distinct.map(
      (chunk, index): ChunkDocument => ({
        content: chunk.content,
        chunk_id: chunk.chunkId,
        metadata: chunk.metadata ?? {},
        chunk_metadata: chunk.chunkMetadata ?? {},
        embedding: [...chunk.embedding],
        embedding_dimension: store.embeddingDimension,
        embedding_model: store.embeddingModel,
        attributes: metadataAttributes(chunk.metadata ?? {}),
        file_id: typeof chunk.chunkMetadata?.file_id === 'string' ? chunk.chunkMetadata.file_id : null,
        seq: first + index,
      }),
    );
    await this.call(() => this.indexDocuments(store.index, documents));
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    const store = await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return;
    await this.call(() => this.client.deleteByQuery({ index: store.index, query: selection(selector), refresh: true, conflicts: 'proceed' }));
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = await this.store(storeId);
    const embedding = checkChunkQuery(query, store.embeddingDimension);
    const filter = query.filter ? attributeFilterToQuery(query.filter) : undefined;
    const matches = await this.call(async () => {
      if (query.mode === 'keyword') return this.keyword(store.index, query.text!, query.maxChunks, filter);
      const vector = await this.nearest(store.index, embedding!, query.maxChunks, filter);
      if (query.mode === 'vector') return vector;
      return fuseRankings(vector, await this.keyword(store.index, query.text!, query.maxChunks, filter), query.reranker).slice(0, query.maxChunks);
    });
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const store = await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return [];
    const hits = await this.call(() => this.all(store.index, selection(selector), options.includeEmbeddings === true));
    return hits.map((hit) => (options.includeEmbeddings ? { ...toChunk(hit), embedding: hit._source!.embedding! } : toChunk(hit)));
  }

  /** Indexes the file's documents again with the new metadata (full documents, so no old key survives). */
  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    const store = await this.store(storeId);
    await this.call(async () => {
      const hits = await this.all(store.index, selection(selector), true);
      if (hits.length === 0) return;
      await this.indexDocuments(
        store.index,
        hits.map((hit) => ({ ...hit._source!, metadata, attributes: metadataAttributes(metadata) })),
      );
    });
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.call(() => this.client.info());
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    await this.client.close();
  }

  private async store(storeId: string): Promise<RegisteredStore> {
    const store = await this.registry.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  private async indexDocuments(index: string, documents: readonly ChunkDocument[]): Promise<void> {
    for (let start = 0; start < documents.length; start += BATCH) {
      const operations = documents.slice(start, start + BATCH).flatMap((document) => [{ index: { _index: index, _id: document.chunk_id } }, document]);
      const reply = await this.client.bulk({ operations, refresh: true });
      if (reply.errors) {
        const failed = reply.items.map((item) => Object.values(item)[0]!).find((result) => result.error);
        throw new UpstreamError(this.providerId, `Elasticsearch at ${this.node} refused a chunk: ${failed?.error?.type}: ${failed?.error?.reason}`);
      }
    }
  }

  /** The nearest chunks by the kNN query; Elasticsearch scores cosine as (1 + cosine) / 2, turned back into the cosine. */
  private async nearest(index: string, embedding: readonly number[], limit: number, filter: EsQuery | undefined): Promise<ChunkMatch[]> {
    const reply = await this.client.search<ChunkDocument>({
      index,
      size: limit,
      query: { knn: { field: 'embedding', query_vector: [...embedding], k: limit, num_candidates: Math.max(100, limit * 2), ...(filter ? { filter } : {}) } } as never,
      _source: { excludes: ['embedding', 'attributes'] },
    });
    return (reply.hits.hits as Hit[]).map((hit) => ({ ...toChunk(hit), score: 2 * (hit._score ?? 0) - 1 }));
  }

  /** The chunks matching any word of the text (english analyzer), by BM25 score. */
  private async keyword(index: string, text: string, limit: number, filter: EsQuery | undefined): Promise<ChunkMatch[]> {
    const reply = await this.client.search<ChunkDocument>({
      index,
      size: limit,
      query: { bool: { must: [{ match: { content: { query: text } } }], ...(filter ? { filter: [filter] } : {}) } } as never,
      _source: { excludes: ['embedding', 'attributes'] },
    });
    return (reply.hits.hits as Hit[]).map((hit) => ({ ...toChunk(hit), score: hit._score ?? 0 }));
  }

  /** Every document matching `query`, in insertion order (paged by search_after on seq). */
  private async all(index: string, query: EsQuery, withEmbeddings: boolean): Promise<Hit[]> {
    const hits: Hit[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const reply = await this.client.search<ChunkDocument>({
        index,
        size: BATCH,
        query: query as never,
        sort: [{ seq: 'asc' }],
        ...(after ? { search_after: after as never } : {}),
        _source: withEmbeddings ? ({ exclude_vectors: false, excludes: [] } as never) : { excludes: ['embedding', 'attributes'] },
      });
      const page = reply.hits.hits as Hit[];
      hits.push(...page);
      if (page.length < BATCH) return hits;
      after = page.at(-1)!.sort;
    }
  }

  /** Runs a client call, turning its failures into Cria's errors naming the server. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw elasticsearchError(error, this.node, this.providerId);
    }
  }
}

function selection(selector: ChunkSelector): EsQuery {
  return 'fileId' in selector ? { term: { file_id: selector.fileId } } : { ids: { values: [...selector.chunkIds] } };
}

function toChunk(hit: Hit): StoredChunk {
  const source = hit._source!;
  return { chunkId: source.chunk_id ?? hit._id, content: source.content, metadata: source.metadata ?? {}, chunkMetadata: source.chunk_metadata ?? {} };
}

/** Cria's errors pass through; the client's become errors naming the server (and the key, when it is refused). */
export function elasticsearchError(error: unknown, node: string, providerId: string): Error {
  if (isCriaError(error)) return error;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? null;
    const body = error.body as { error?: { type?: string; reason?: string } } | undefined;
    const detail = body?.error?.reason ? `${body.error.type}: ${body.error.reason}` : error.message;
    if (status === 401 || status === 403) {
      return new AuthenticationError(`Elasticsearch at ${node} refused the request (config elasticsearch_api_key, env ELASTICSEARCH_API_KEY): ${detail}`, { cause: error });
    }
    return new UpstreamError(providerId, `Elasticsearch at ${node} failed (${status}): ${detail}`, { status, type: body?.error?.type ?? null, cause: error });
  }
  if (error instanceof errors.TimeoutError) return new UpstreamTimeoutError(providerId, `Elasticsearch at ${node} did not answer in time.`, { cause: error });
  if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError) {
    return new UnavailableError(`Elasticsearch at ${node} does not answer (${error.message}); start it or set elasticsearch_url (ELASTICSEARCH_URL).`, { cause: error });
  }
  if (error instanceof errors.ProductNotSupportedError) return new UpstreamError(providerId, `The server at ${node} is not Elasticsearch: ${error.message}`, { cause: error });
  return new UpstreamError(providerId, `Elasticsearch at ${node} failed: ${(error as Error).message}`, { cause: error });
}
