import { stemmer } from 'stemmer';
import { Agent } from 'undici';
import {
  AuthenticationError,
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  isCriaError,
  type KvStore,
  type ProviderLifecycle,
  type StoredChunk,
  UnavailableError,
  UpstreamError,
  type VectorChunk,
  type VectorIOProvider,
  type VectorStoreDefinition,
} from '@cria/api';
import { unreachableCode } from '@cria/provider-utils';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, fuseRankings, KvRegistry, lastOfEachId, matchesAttributeFilter, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { infinispanBaseUrl, type InfinispanSettings } from './infinispan-config.js';
import { type DigestChallenge, digestAuthorization, parseDigestChallenge } from './infinispan-digest.js';

/** Llama Stack's registry prefix. */
const REGISTRY_PREFIX = 'vector_stores:infinispan:v3::';

/** Entries per page of a listing, and entries written at once. */
const PAGE = 1000;
const PARALLEL_WRITES = 16;

/** The indexed entity of a dimension, as Llama Stack names it. */
export const entityName = (dimension: number) => `VectorItem${dimension}`;

/**
 * Llama Stack's `vector_chunk.proto` with three more optional fields: `fileId` and `seq` (so a
 * file's chunks are listed in insertion order) and `stems` (the content's stemmed words, which
 * the whitespace analyzer indexes for keyword search). Entries Llama Stack wrote still read.
 */
export function vectorChunkSchema(dimension: number): string {
  return `syntax = "proto2";

/**
 * @Indexed
 */
message ${entityName(dimension)} {
  /** @Keyword */
  optional string id = 1;
  /** @Vector(dimension=${dimension}, similarity=COSINE) */
  repeated float floatVector = 2;
  /** @Text */
  optional string text = 3;
  /** @Basic */
  optional string metadata = 4;
  /** @Basic */
  optional string chunkMetadata = 5;
  /** @Basic */
  optional string embeddingModel = 6;
  /** @Basic */
  optional string fileId = 7;
  /** @Basic(sortable=true) */
  optional int64 seq = 8;
  /** @Text(analyzer="whitespace") */
  optional string stems = 9;
}
`;
}

/** Llama Stack's cache configuration: distributed, indexing the store's entity in local heap. */
export function cacheConfiguration(cacheName: string, dimension: number): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<distributed-cache name="${escape(cacheName)}">
  <indexing storage="local-heap">
    <indexed-entities>
      <indexed-entity>${entityName(dimension)}</indexed-entity>
    </indexed-entities>
  </indexing>
</distributed-cache>`;
}

/** Lowercased words Porter-stemmed, for `stems` and keyword queries. */
export function stems(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).map((word) => stemmer(word));
}

/** An entry of the cache, as PUT (JSON with `_type`). */
export interface VectorItem {
  _type: string;
  id: string;
  floatVector: number[];
  text: string;
  metadata: string;
  chunkMetadata: string;
  embeddingModel: string;
  fileId?: string | null;
  seq?: number;
  stems?: string;
}

interface SearchReply {
  hit_count?: number;
  hits?: { hit: Record<string, unknown> }[];
}

const ickleString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * `remote::infinispan`, over Infinispan's REST API v3 as Llama Stack's adapter uses it: a cache
 * per vector store (named by the store id) indexing `VectorItem<dimension>`, whose protobuf schema
 * is registered in `___protobuf_metadata`; each chunk an entry keyed by its chunk id, PUT as JSON;
 * kNN search (`floatVector <-> [...] ~ k`) and full-text search as Ickle queries on `_search`.
 * Hybrid fuses the two rankings here. Attribute filters are applied here to the store's entries
 * (Llama Stack refuses them). Nothing is asked of Infinispan at start-up; an unreachable server
 * shows in health() and as a 503 naming it.
 */
export class InfinispanVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly registry: KvRegistry<VectorStoreDefinition>;
  private readonly baseUrl: string;
  private readonly credentials?: { username: string; password: string };
  private readonly dispatcher?: Agent;
  private challenge?: DigestChallenge;
  private nonceCount = 0;
  private lastSeq = 0;

  constructor(
    private readonly settings: InfinispanSettings,
    persistence: KvStore,
    private readonly providerId: string,
  ) {
    this.registry = new KvRegistry<VectorStoreDefinition>(persistence, REGISTRY_PREFIX);
    this.baseUrl = infinispanBaseUrl(settings);
    if (settings.username && settings.password) this.credentials = { username: settings.username, password: settings.password };
    if (settings.use_https && settings.verify_tls === false) this.dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    checkVectorStoreDefinition(definition, await this.registry.get(definition.id));
    const cache = this.cachePath(definition.id);
    if ((await this.request('HEAD', cache, undefined, [404])) === null) {
      const dimension = definition.embeddingDimension;
      await this.request('PUT', `/rest/v3/caches/___protobuf_metadata/entries/vector_chunk_${dimension}.proto`, { body: vectorChunkSchema(dimension), type: 'text/plain' });
      await this.request('POST', cache, { body: cacheConfiguration(definition.id, dimension), type: 'application/xml' });
    }
    await this.registry.put({ id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension });
  }

  async unregisterVectorStore(storeId: string): Promise<void> {
    if (await this.registry.get(storeId)) await this.request('DELETE', this.cachePath(storeId), undefined, [404]);
    await this.registry.delete(storeId);
  }

  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    const store = await this.store(storeId);
    chunks.forEach((chunk, index) => checkEmbedding(chunk.embedding, store.embeddingDimension, `chunks[${index}].embedding`));
    const distinct = lastOfEachId(chunks);
    if (distinct.length === 0) return;
    const first = Math.max(Date.now() * 1000, this.lastSeq + 1);
    this.lastSeq = first + distinct.length - 1;
    await this.writeItems(
      storeId,
      distinct.map((chunk, index) => ({
        _type: entityName(store.embeddingDimension),
        id: chunk.chunkId,
        floatVector: [...chunk.embedding],
        text: chunk.content,
        metadata: JSON.stringify(chunk.metadata ?? {}),
        chunkMetadata: JSON.stringify(chunk.chunkMetadata ?? {}),
        embeddingModel: store.embeddingModel,
        fileId: typeof chunk.chunkMetadata?.file_id === 'string' ? chunk.chunkMetadata.file_id : null,
        seq: first + index,
        stems: stems(chunk.content).join(' '),
      })),
    );
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    const store = await this.store(storeId);
    const keys = 'chunkIds' in selector ? [...selector.chunkIds] : (await this.list(store, selector)).map((item) => item.id);
    await inGroups(keys, (key) => this.request('DELETE', `${this.cachePath(storeId)}/entries/${encodeURIComponent(key)}`, undefined, [404]));
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = await this.store(storeId);
    const embedding = checkChunkQuery(query, store.embeddingDimension);
    let matches: ChunkMatch[];
    if (query.mode === 'keyword') matches = await this.keyword(store, query.text!, query.maxChunks, query.filter);
    else {
      const vector = await this.nearest(store, embedding!, query.maxChunks, query.filter);
      matches = query.mode === 'vector' ? vector : fuseRankings(vector, await this.keyword(store, query.text!, query.maxChunks, query.filter), query.reranker).slice(0, query.maxChunks);
    }
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const store = await this.store(storeId);
    const items = await this.list(store, selector);
    return items.map((item) => (options.includeEmbeddings ? { ...toChunk(item), embedding: item.floatVector } : toChunk(item)));
  }

  /** PUTs the file's entries again with the new metadata (a PUT replaces an entry whole). */
  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    const store = await this.store(storeId);
    const items = await this.list(store, selector);
    await this.writeItems(storeId, items.map((item) => ({ ...item, metadata: JSON.stringify(metadata) })));
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.request('GET', '/rest/v3/server');
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    await this.dispatcher?.close();
  }

  private cachePath(storeId: string): string {
    return `/rest/v3/caches/${encodeURIComponent(storeId)}`;
  }

  private async store(storeId: string): Promise<VectorStoreDefinition> {
    const store = await this.registry.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  private async writeItems(storeId: string, items: readonly VectorItem[]): Promise<void> {
    await inGroups(items, (item) => this.request('PUT', `${this.cachePath(storeId)}/entries/${encodeURIComponent(item.id)}`, { body: JSON.stringify(item), type: 'application/json' }));
  }

  /** kNN by Llama Stack's query; Infinispan scores COSINE as (1 + cosine) / 2, turned back into the cosine here. A filter is applied to every entry here, so the k best that satisfy it are exact. */
  private async nearest(store: VectorStoreDefinition, embedding: readonly number[], k: number, filter: ChunkQuery['filter']): Promise<ChunkMatch[]> {
    if (filter) {
      const items = (await this.list(store, null)).filter((item) => matchesAttributeFilter(parseJson(item.metadata), filter));
      return items
        .map((item) => ({ ...toChunk(item), score: cosine(item.floatVector, embedding) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    }
    const hits = await this.search(store.id, `SELECT i, score(i) FROM ${entityName(store.embeddingDimension)} i WHERE i.floatVector <-> ${JSON.stringify([...embedding])} ~ ${k}`, k);
    return hits.map(({ item, score }) => ({ ...toChunk(item), score: 2 * score - 1 }));
  }

  /** Full-text search on the stemmed words, any of them matching, ranked by Infinispan's score. */
  private async keyword(store: VectorStoreDefinition, text: string, k: number, filter: ChunkQuery['filter']): Promise<ChunkMatch[]> {
    const words = [...new Set(stems(text))];
    if (words.length === 0) return [];
    const ickle = `SELECT i, score(i) FROM ${entityName(store.embeddingDimension)} i WHERE ${words.map((word) => `i.stems : ${ickleString(word)}`).join(' OR ')}`;
    const matches: ChunkMatch[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const hits = await this.search(store.id, ickle, filter ? PAGE : k, filter ? offset : 0);
      for (const { item, score } of hits) if (!filter || matchesAttributeFilter(parseJson(item.metadata), filter)) matches.push({ ...toChunk(item), score });
      if (!filter || hits.length < PAGE || matches.length >= k) return matches.slice(0, k);
    }
  }

  /** The selected entries (all of them for null) in insertion order. */
  private async list(store: VectorStoreDefinition, selector: ChunkSelector | null): Promise<VectorItem[]> {
    if (selector && 'chunkIds' in selector && selector.chunkIds.length === 0) return [];
    const where = !selector ? '' : 'fileId' in selector ? ` WHERE i.fileId = ${ickleString(selector.fileId)}` : ` WHERE i.id IN (${selector.chunkIds.map(ickleString).join(', ')})`;
    const ickle = `FROM ${entityName(store.embeddingDimension)} i${where} ORDER BY i.seq`;
    const items: VectorItem[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const hits = await this.search(store.id, ickle, PAGE, offset);
      items.push(...hits.map((hit) => hit.item));
      if (hits.length < PAGE) return items;
    }
  }

  private async search(storeId: string, query: string, maxResults: number, offset = 0): Promise<{ item: VectorItem; score: number }[]> {
    const reply = (await this.request('POST', `${this.cachePath(storeId)}/_search`, {
      body: JSON.stringify({ query, max_results: maxResults, offset, query_mode: 'INDEXED' }),
      type: 'application/json',
    })) as SearchReply;
    return (reply.hits ?? []).map(({ hit }) => ({ item: (hit['*'] ?? hit) as VectorItem, score: Number(hit['score()'] ?? 1) }));
  }

  /** One REST call, authenticated; a status in `absent` answers null, an empty success ''. */
  private async request(method: string, path: string, content?: { body: string; type: string }, absent: number[] = []): Promise<unknown> {
    let response = await this.send(method, path, content);
    if (response.status === 401 && this.credentials && this.settings.auth_mechanism !== 'basic') {
      const challenge = parseDigestChallenge(response.headers.get('www-authenticate'));
      if (challenge) {
        this.challenge = challenge;
        this.nonceCount = 0;
        await response.body?.cancel();
        response = await this.send(method, path, content);
      }
    }
    const text = await response.text();
    if (absent.includes(response.status)) return null;
    if (response.status === 401 || response.status === 403) {
      const who = this.credentials
        ? `user '${this.credentials.username}' (config username and password, INFINISPAN_USERNAME and INFINISPAN_PASSWORD)`
        : 'no credentials: set username and password (INFINISPAN_USERNAME and INFINISPAN_PASSWORD)';
      throw new AuthenticationError(`Infinispan at ${this.baseUrl} refused ${who} (${response.status}).`);
    }
    if (!response.ok) throw new UpstreamError(this.providerId, `Infinispan at ${this.baseUrl} failed (${response.status} on ${method} ${path.split('?')[0]}): ${infinispanMessage(text)}`, { status: response.status });
    return text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  }

  private async send(method: string, path: string, content?: { body: string; type: string }): Promise<Response> {
    const headers: Record<string, string> = content ? { 'content-type': content.type } : {};
    if (this.credentials && this.settings.auth_mechanism === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    } else if (this.credentials && this.challenge) {
      headers.authorization = digestAuthorization(this.challenge, this.credentials, method, path, ++this.nonceCount);
    }
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(content ? { body: content.body } : {}),
        signal: AbortSignal.timeout(30_000),
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      } as RequestInit);
    } catch (error) {
      if (isCriaError(error)) throw error;
      const code = unreachableCode(error) ?? unreachableCode((error as Error).cause);
      if (code || (error as Error).name === 'TimeoutError') {
        throw new UnavailableError(`Infinispan at ${this.baseUrl} does not answer (${code ?? 'timeout'}); start it or set url (INFINISPAN_URL).`, { cause: error });
      }
      throw new UpstreamError(this.providerId, `Infinispan at ${this.baseUrl} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

async function inGroups<T>(items: readonly T[], action: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += PARALLEL_WRITES) await Promise.all(items.slice(start, start + PARALLEL_WRITES).map(action));
}

/** Infinispan's error body, `{"error": {"message", "cause"}}` or plain text. */
function infinispanMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; cause?: string } };
    return [body.error?.message, body.error?.cause].filter(Boolean).join(': ') || text;
  } catch {
    return text;
  }
}

function parseJson(text: string | undefined): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((value, position) => {
    dot += value * b[position]!;
    normA += value * value;
    normB += b[position]! * b[position]!;
  });
  return dot / Math.sqrt(normA * normB);
}

function toChunk(item: VectorItem): StoredChunk {
  return { chunkId: item.id, content: item.text ?? '', metadata: parseJson(item.metadata), chunkMetadata: parseJson(item.chunkMetadata) };
}
