import { createHash } from 'node:crypto';
import { QdrantClient, QdrantClientResourceExhaustedError, QdrantClientTimeoutError, QdrantClientUnexpectedResponseError } from '@qdrant/js-client-rest';
import {
  AuthenticationError,
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  ConfigError,
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
import { qdrantEndpoint, type QdrantSettings } from './qdrant-config.js';
import { attributeFilterToQdrant, type QdrantCondition, type QdrantFilter } from './qdrant-filter.js';
import { bm25Scores, queryWords } from './qdrant-keyword.js';

/** Llama Stack's registry prefix, so a Llama Stack kvstore's stores are found (as their collections are). */
const REGISTRY_PREFIX = 'vector_stores:qdrant:v3::';

/** Points per upsert request and per scroll page. */
const BATCH = 256;

/** What a point's payload holds: the chunk as Llama Stack keeps it (`chunk_content`), its text, id, and insertion order. */
interface ChunkPayload {
  chunk_content: { chunk_id: string; content: string; metadata: Record<string, unknown>; chunk_metadata: Record<string, unknown>; embedding: number[] };
  content_text: string;
  _chunk_id: string;
  /** Increases with every insert, also across restarts: listChunks sorts by it. */
  seq: number;
}

interface QdrantPoint {
  id: string | number;
  score?: number;
  payload?: Record<string, unknown> | null;
}

/** Llama Stack's point id for a chunk id: the UUID of the first 128 bits of SHA-256("qdrant_id:" + id). */
export function pointId(chunkId: string): string {
  const hex = createHash('sha256').update(`qdrant_id:${chunkId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const FILE_ID_PATH = 'chunk_content.chunk_metadata.file_id';

/**
 * `remote::qdrant`: a Qdrant collection per vector store (named by the store id, as in Llama
 * Stack), cosine distance, one point per chunk whose payload holds the chunk. Vector search is
 * Qdrant's query API; keyword search finds the chunks containing any query word through a
 * full-text payload index (word tokenizer, lowercase, English snowball stemmer) and ranks them by
 * BM25 here, since Qdrant scores no text matches; hybrid fuses the two rankings. Nothing is
 * asked of Qdrant at start-up: stores come from the registry in `persistence`, and an unreachable
 * server shows in health() and as a 503 naming its URL on each request.
 */
export class QdrantVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly registry: KvRegistry<VectorStoreDefinition>;
  private readonly client: QdrantClient;
  private readonly endpoint: string;
  private lastSeq = 0;

  constructor(
    private readonly settings: QdrantSettings,
    persistence: KvStore,
    private readonly providerId: string,
  ) {
    this.registry = new KvRegistry<VectorStoreDefinition>(persistence, REGISTRY_PREFIX);
    if (settings.location && !/^[a-z]+:\/\//i.test(settings.location)) {
      throw new ConfigError('location', `Qdrant's local mode (${settings.location}) is not served; give the server's URL`);
    }
    const endpoint = qdrantEndpoint(settings);
    this.endpoint = endpoint.display;
    try {
      this.client = new QdrantClient({
        ...(endpoint.url ? { url: endpoint.url } : { host: endpoint.host }),
        port: endpoint.port,
        ...(endpoint.https !== undefined ? { https: endpoint.https } : {}),
        ...(endpoint.prefix ? { prefix: endpoint.prefix } : {}),
        ...(settings.api_key ? { apiKey: settings.api_key } : {}),
        ...(settings.timeout ? { timeout: settings.timeout * 1000 } : {}),
        checkCompatibility: false,
      });
    } catch (error) {
      throw new ConfigError('url', (error as Error).message);
    }
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    checkVectorStoreDefinition(definition, await this.registry.get(definition.id));
    await this.call(async () => {
      const { exists } = await this.client.collectionExists(definition.id);
      if (exists) {
        const info = await this.client.getCollection(definition.id);
        const vectors = info.config.params.vectors as { size?: number } | undefined;
        if (vectors?.size !== undefined && vectors.size !== definition.embeddingDimension) {
          throw new ConflictError(`Qdrant collection '${definition.id}' holds ${vectors.size}-dimensional vectors, not ${definition.embeddingDimension}.`);
        }
        return;
      }
      await this.client.createCollection(definition.id, { vectors: { size: definition.embeddingDimension, distance: 'Cosine' } });
      await this.client.createPayloadIndex(definition.id, {
        wait: true,
        field_name: 'content_text',
        field_schema: { type: 'text', tokenizer: 'word', lowercase: true, stemmer: { type: 'snowball', language: 'english' } },
      });
      await this.client.createPayloadIndex(definition.id, { wait: true, field_name: FILE_ID_PATH, field_schema: 'keyword' });
    });
    await this.registry.put({ id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension });
  }

  /** Drops the store's collection; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    if (await this.registry.get(storeId)) {
      await this.call(async () => {
        if ((await this.client.collectionExists(storeId)).exists) await this.client.deleteCollection(storeId);
      });
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
    const points = distinct.map((chunk, index) => {
      const payload: ChunkPayload = {
        chunk_content: { chunk_id: chunk.chunkId, content: chunk.content, metadata: chunk.metadata ?? {}, chunk_metadata: chunk.chunkMetadata ?? {}, embedding: [...chunk.embedding] },
        content_text: chunk.content,
        _chunk_id: chunk.chunkId,
        seq: first + index,
      };
      return { id: pointId(chunk.chunkId), vector: [...chunk.embedding], payload: payload as unknown as Record<string, unknown> };
    });
    await this.call(async () => {
      for (let start = 0; start < points.length; start += BATCH) await this.client.upsert(storeId, { wait: true, points: points.slice(start, start + BATCH) });
    });
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return;
    await this.call(() => this.client.delete(storeId, { wait: true, filter: { must: [selection(selector)] } }));
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = await this.store(storeId);
    const embedding = checkChunkQuery(query, store.embeddingDimension);
    const matches = await this.call(async () => {
      const filter = query.filter ? await attributeFilterToQdrant(query.filter, (path) => this.stringValues(storeId, path)) : undefined;
      if (query.mode === 'keyword') return this.keyword(storeId, query.text!, query.maxChunks, filter);
      const vector = await this.nearest(storeId, embedding!, query.maxChunks, filter);
      if (query.mode === 'vector') return vector;
      return fuseRankings(vector, await this.keyword(storeId, query.text!, query.maxChunks, filter), query.reranker).slice(0, query.maxChunks);
    });
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return [];
    const points = await this.call(() => this.scrollAll(storeId, { must: [selection(selector)] }));
    return points
      .map((point) => point.payload as unknown as ChunkPayload)
      .sort((a, b) => a.seq - b.seq)
      .map((payload) => (options.includeEmbeddings ? { ...toChunk(payload), embedding: payload.chunk_content.embedding } : toChunk(payload)));
  }

  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    await this.store(storeId);
    await this.call(() => this.client.setPayload(storeId, { wait: true, key: 'chunk_content', payload: { metadata }, filter: { must: [selection(selector)] } }));
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.call(() => this.client.getCollections());
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {}

  private async store(storeId: string): Promise<VectorStoreDefinition> {
    const store = await this.registry.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  private async nearest(storeId: string, embedding: readonly number[], limit: number, filter: QdrantCondition | undefined): Promise<ChunkMatch[]> {
    const { points } = await this.client.query(storeId, { query: [...embedding], limit, with_payload: true, ...(filter ? { filter: { must: [filter] } as never } : {}) });
    return (points as QdrantPoint[]).map((point) => ({ ...toChunk(point.payload as unknown as ChunkPayload), score: point.score ?? 0 }));
  }

  /** Every chunk containing a query word (through the text index), ranked by BM25. */
  private async keyword(storeId: string, text: string, limit: number, filter: QdrantCondition | undefined): Promise<ChunkMatch[]> {
    const words = queryWords(text);
    if (words.length === 0) return [];
    const candidates = await this.scrollAll(storeId, {
      ...(filter ? { must: [filter] } : {}),
      should: words.map((word) => ({ key: 'content_text', match: { text: word } })),
    });
    if (candidates.length === 0) return [];
    const { count } = await this.client.count(storeId, { exact: true });
    const payloads = candidates.map((point) => point.payload as unknown as ChunkPayload);
    const scores = bm25Scores(text, payloads.map((payload) => payload.content_text), count);
    return payloads
      .map((payload, index) => ({ ...toChunk(payload), score: scores[index]! }))
      .filter((match) => match.score > 0)
      .sort((a, b) => b.score - a.score || (a.chunkId < b.chunkId ? -1 : 1))
      .slice(0, limit);
  }

  /** The string values `path` takes in the collection (for string comparisons, which Qdrant's ranges do not cover). */
  private async stringValues(storeId: string, path: string): Promise<string[]> {
    const points = await this.scrollAll(storeId, { must: [{ must_not: [{ is_empty: { key: path } } as never] }] }, { include: [path] });
    const values = new Set<string>();
    for (const point of points) {
      let value: unknown = point.payload;
      for (const segment of splitPath(path)) value = (value as Record<string, unknown> | undefined)?.[segment];
      if (typeof value === 'string') values.add(value);
    }
    return [...values];
  }

  private async scrollAll(storeId: string, filter: QdrantFilter, withPayload: true | { include: string[] } = true): Promise<QdrantPoint[]> {
    const points: QdrantPoint[] = [];
    let offset: string | number | undefined;
    do {
      const page = await this.client.scroll(storeId, { filter: filter as never, limit: BATCH, with_payload: withPayload, with_vector: false, ...(offset !== undefined ? { offset } : {}) });
      points.push(...(page.points as QdrantPoint[]));
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined);
    return points;
  }

  /** Runs a Qdrant call, turning its failures into Cria's errors naming the server. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw qdrantError(error, this.endpoint, this.providerId);
    }
  }
}

function splitPath(path: string): string[] {
  return (path.match(/"(?:[^"\\]|\\.)*"|[^.]+/g) ?? []).map((segment) => (segment.startsWith('"') ? (JSON.parse(segment) as string) : segment));
}

function selection(selector: ChunkSelector): QdrantCondition {
  return 'fileId' in selector ? { key: FILE_ID_PATH, match: { value: selector.fileId } } : { has_id: selector.chunkIds.map(pointId) };
}

function toChunk(payload: ChunkPayload): StoredChunk {
  const chunk = payload.chunk_content;
  return { chunkId: chunk.chunk_id, content: chunk.content, metadata: chunk.metadata ?? {}, chunkMetadata: chunk.chunk_metadata ?? {} };
}

/** Cria's errors pass through; the client's become errors naming the server (and the key, when it is refused). */
export function qdrantError(error: unknown, endpoint: string, providerId: string): Error {
  if (isCriaError(error)) return error;
  if (error instanceof QdrantClientTimeoutError) return new UpstreamTimeoutError(providerId, `Qdrant at ${endpoint} did not answer in time: ${error.message}`, { cause: error });
  if (error instanceof QdrantClientResourceExhaustedError) {
    return new UnavailableError(`Qdrant at ${endpoint} is rate limiting: ${error.message}`, { retryAfterSeconds: Number(error.retry_after) || null, cause: error });
  }
  const response = error as { status?: unknown; data?: { status?: { error?: string } } };
  if (error instanceof QdrantClientUnexpectedResponseError || typeof response.status === 'number') {
    const status = typeof response.status === 'number' ? response.status : Number((error as Error).message.match(/\b(\d{3})\b/)?.[1]);
    const detail = response.data?.status?.error ?? (error as Error).message;
    if (status === 401 || status === 403) {
      return new AuthenticationError(`Qdrant at ${endpoint} refused the API key (config api_key, env QDRANT_API_KEY): ${detail}`, { cause: error });
    }
    return new UpstreamError(providerId, `Qdrant at ${endpoint} failed (${status}): ${detail}`, { status: Number.isFinite(status) ? status : null, cause: error });
  }
  const code = unreachableCode(error);
  if (code) return new UnavailableError(`Qdrant at ${endpoint} does not answer (${code}); start it or set url (QDRANT_URL for the starter).`, { cause: error });
  return new UpstreamError(providerId, `Qdrant at ${endpoint} failed: ${(error as Error).message}`, { cause: error });
}
