import { createHash } from 'node:crypto';
import { stemmer } from 'stemmer';
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
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, fuseRankings, KvRegistry, lastOfEachId, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { type WeaviateSettings, weaviateBaseUrl } from './weaviate-config.js';
import { attributeFilterToWhere, attributeProperties, type WeaviateWhere } from './weaviate-filter.js';

/** Llama Stack's registry prefix. */
const REGISTRY_PREFIX = 'vector_stores:weaviate:v3::';

/** Objects per batch request and per page of a listing. */
const BATCH = 500;

interface RegisteredStore extends VectorStoreDefinition {
  /** The Weaviate class holding the store's chunks. */
  className: string;
}

/** The chunk as Llama Stack's `chunk_content` JSON keeps it (with the embedding as inserted). */
interface ChunkContent {
  chunk_id: string;
  content: string;
  metadata: Record<string, unknown>;
  chunk_metadata: Record<string, unknown>;
  embedding: number[];
  embedding_model: string;
  embedding_dimension: number;
}

interface GraphqlObject {
  chunk_content: string;
  seq?: number;
  _additional?: { id?: string; distance?: number; score?: string | number };
}

/** A class name for a store id: Weaviate wants a capital first and letters, digits, underscores; the hash keeps ids that differ in punctuation apart. */
export function className(storeId: string): string {
  return `VectorStore_${storeId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}_${createHash('sha256').update(storeId).digest('hex').slice(0, 12)}`;
}

/** A chunk's object id, a UUID from its chunk id (Weaviate ids are UUIDs). */
export function objectId(chunkId: string): string {
  const hex = createHash('sha256').update(`weaviate_id:${chunkId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Lowercased words Porter-stemmed: Weaviate does not stem, so content and queries are stemmed here and searched with whitespace tokenization. */
export function stems(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).map((word) => stemmer(word));
}

/** A GraphQL literal of a JSON value; `operator`'s values are enums, so unquoted. */
function graphqlValue(value: unknown, key?: string): string {
  if (Array.isArray(value)) return `[${value.map((item) => graphqlValue(item)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([name, inner]) => `${name}: ${graphqlValue(inner, name)}`)
      .join(', ')}}`;
  }
  if (key === 'operator' || key === 'order') return String(value);
  return JSON.stringify(value);
}

const BASE_PROPERTIES = [
  { name: 'chunk_id', dataType: ['text'], tokenization: 'field' },
  { name: 'chunk_content', dataType: ['text'], indexFilterable: false, indexSearchable: false },
  { name: 'content_stems', dataType: ['text'], tokenization: 'whitespace', indexFilterable: false },
  { name: 'file_id', dataType: ['text'], tokenization: 'field' },
  { name: 'seq', dataType: ['number'] },
];

/**
 * `remote::weaviate`, over Weaviate's REST and GraphQL APIs (weaviate-client v3 queries over gRPC,
 * which Cria does not need for these few calls): a class per vector store with cosine vectors and
 * no vectorizer; each chunk an object with Llama Stack's `chunk_id` and `chunk_content` (the
 * chunk as JSON), its stemmed words (`content_stems`, searched by BM25), its file, its insertion
 * order, and each scalar metadata value in a property of its type (see attributeProperty), which
 * filters query. Hybrid fuses the vector and BM25 rankings here. Nothing is asked of Weaviate at
 * start-up; an unreachable server shows in health() and as a 503 naming it.
 */
export class WeaviateVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly registry: KvRegistry<RegisteredStore>;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  /** The properties each class has, as last read or created. */
  private readonly properties = new Map<string, Set<string>>();
  private lastSeq = 0;

  constructor(
    settings: WeaviateSettings,
    persistence: KvStore,
    private readonly providerId: string,
  ) {
    this.registry = new KvRegistry<RegisteredStore>(persistence, REGISTRY_PREFIX);
    this.baseUrl = weaviateBaseUrl(settings.weaviate_cluster_url);
    this.headers = { 'content-type': 'application/json', ...(settings.weaviate_api_key ? { authorization: `Bearer ${settings.weaviate_api_key}` } : {}) };
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    const registered = await this.registry.get(definition.id);
    checkVectorStoreDefinition(definition, registered);
    const name = registered?.className ?? className(definition.id);
    if (!(await this.classProperties(name))) {
      await this.request('POST', '/v1/schema', {
        class: name,
        description: `Cria vector store ${definition.id}`,
        vectorizer: 'none',
        vectorIndexConfig: { distance: 'cosine' },
        invertedIndexConfig: { bm25: { b: 0.75, k1: 1.2 }, indexNullState: true },
        properties: BASE_PROPERTIES,
      });
      this.properties.set(name, new Set(BASE_PROPERTIES.map((property) => property.name)));
    }
    await this.registry.put({ id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension, className: name });
  }

  async unregisterVectorStore(storeId: string): Promise<void> {
    const store = await this.registry.get(storeId);
    if (store) {
      await this.request('DELETE', `/v1/schema/${store.className}`, undefined, [404]);
      this.properties.delete(store.className);
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
    await this.writeObjects(
      store,
      distinct.map((chunk, index) => ({
        content: {
          chunk_id: chunk.chunkId,
          content: chunk.content,
          metadata: chunk.metadata ?? {},
          chunk_metadata: chunk.chunkMetadata ?? {},
          embedding: [...chunk.embedding],
          embedding_model: store.embeddingModel,
          embedding_dimension: store.embeddingDimension,
        },
        seq: first + index,
      })),
    );
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    const store = await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return;
    await this.request('DELETE', '/v1/batch/objects', { match: { class: store.className, where: selection(selector) }, output: 'minimal', dryRun: false });
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = await this.store(storeId);
    const embedding = checkChunkQuery(query, store.embeddingDimension);
    let where: WeaviateWhere | undefined;
    if (query.filter) where = attributeFilterToWhere(query.filter, (await this.classProperties(store.className)) ?? new Set());
    let matches: ChunkMatch[];
    if (query.mode === 'keyword') matches = await this.keyword(store.className, query.text!, query.maxChunks, where);
    else {
      const vector = await this.nearest(store.className, embedding!, query.maxChunks, where);
      matches = query.mode === 'vector' ? vector : fuseRankings(vector, await this.keyword(store.className, query.text!, query.maxChunks, where), query.reranker).slice(0, query.maxChunks);
    }
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const store = await this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return [];
    const contents = await this.all(store.className, selection(selector));
    return contents.map(({ content }) => (options.includeEmbeddings ? { ...toChunk(content), embedding: content.embedding } : toChunk(content)));
  }

  /** Writes the file's objects again with the new metadata (a batch write replaces whole objects, so no old value survives). */
  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    const store = await this.store(storeId);
    const objects = await this.all(store.className, selection(selector));
    if (objects.length) await this.writeObjects(store, objects.map(({ content, seq }) => ({ content: { ...content, metadata }, seq })));
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await this.request('GET', '/v1/meta');
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {}

  private async store(storeId: string): Promise<RegisteredStore> {
    const store = await this.registry.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  /** The class's property names, or null when Weaviate has no such class. */
  private async classProperties(name: string): Promise<Set<string> | null> {
    const known = this.properties.get(name);
    if (known) return known;
    const schema = (await this.request('GET', `/v1/schema/${name}`, undefined, [404])) as { properties?: { name: string }[] } | null;
    if (!schema) return null;
    const properties = new Set((schema.properties ?? []).map((property) => property.name));
    this.properties.set(name, properties);
    return properties;
  }

  private async writeObjects(store: RegisteredStore, objects: readonly { content: ChunkContent; seq: number }[]): Promise<void> {
    const known = (await this.classProperties(store.className)) ?? new Set<string>();
    const rows = objects.map(({ content, seq }) => ({ content, seq, attributes: attributeProperties(content.metadata) }));
    // New metadata keys become properties first, with their types (auto-schema might guess others).
    for (const row of rows) {
      for (const [property, value] of Object.entries(row.attributes)) {
        if (known.has(property)) continue;
        await this.request('POST', `/v1/schema/${store.className}/properties`, { name: property, dataType: [typeof value === 'string' ? 'text' : typeof value], ...(typeof value === 'string' ? { tokenization: 'field' } : {}) });
        known.add(property);
      }
    }
    for (let start = 0; start < rows.length; start += BATCH) {
      const reply = (await this.request('POST', '/v1/batch/objects', {
        objects: rows.slice(start, start + BATCH).map(({ content, seq, attributes }) => ({
          class: store.className,
          id: objectId(content.chunk_id),
          vector: content.embedding,
          properties: {
            chunk_id: content.chunk_id,
            chunk_content: JSON.stringify(content),
            content_stems: stems(content.content).join(' '),
            file_id: typeof content.chunk_metadata.file_id === 'string' ? content.chunk_metadata.file_id : null,
            seq,
            ...attributes,
          },
        })),
      })) as { result?: { errors?: { error?: { message: string }[] } } }[];
      const failed = reply.find((object) => object.result?.errors?.error?.length);
      if (failed) throw new UpstreamError(this.providerId, `Weaviate at ${this.baseUrl} refused a chunk: ${failed.result!.errors!.error![0]!.message}`);
    }
  }

  /** Nearest objects by nearVector; Weaviate's cosine distance is 1 − cosine similarity. */
  private async nearest(name: string, embedding: readonly number[], limit: number, where: WeaviateWhere | undefined): Promise<ChunkMatch[]> {
    const objects = await this.get(name, { limit, nearVector: { vector: [...embedding] }, ...(where ? { where } : {}) }, 'distance');
    return objects.map((object) => ({ ...toChunk(JSON.parse(object.chunk_content) as ChunkContent), score: 1 - Number(object._additional!.distance) }));
  }

  /** BM25 on the stemmed words. */
  private async keyword(name: string, text: string, limit: number, where: WeaviateWhere | undefined): Promise<ChunkMatch[]> {
    const words = [...new Set(stems(text))];
    if (words.length === 0) return [];
    const objects = await this.get(name, { limit, bm25: { query: words.join(' '), properties: ['content_stems'] }, ...(where ? { where } : {}) }, 'score');
    return objects.map((object) => ({ ...toChunk(JSON.parse(object.chunk_content) as ChunkContent), score: Number(object._additional!.score) }));
  }

  /** Every object matching `where`, in insertion order. */
  private async all(name: string, where: WeaviateWhere): Promise<{ content: ChunkContent; seq: number }[]> {
    const rows: { content: ChunkContent; seq: number }[] = [];
    for (let offset = 0; ; offset += BATCH) {
      const page = await this.get(name, { limit: BATCH, offset, where, sort: [{ path: ['seq'], order: 'asc' }] }, null);
      rows.push(...page.map((object) => ({ content: JSON.parse(object.chunk_content) as ChunkContent, seq: object.seq! })));
      if (page.length < BATCH) return rows;
    }
  }

  private async get(name: string, args: Record<string, unknown>, additional: 'distance' | 'score' | null): Promise<GraphqlObject[]> {
    const argumentList = Object.entries(args)
      .map(([key, value]) => `${key}: ${graphqlValue(value)}`)
      .join(', ');
    const query = `{ Get { ${name}(${argumentList}) { chunk_content seq${additional ? ` _additional { id ${additional} }` : ''} } } }`;
    const reply = (await this.request('POST', '/v1/graphql', { query })) as { data?: { Get?: Record<string, GraphqlObject[] | null> }; errors?: { message: string }[] };
    if (reply.errors?.length) throw new UpstreamError(this.providerId, `Weaviate at ${this.baseUrl} refused the query: ${reply.errors.map((error) => error.message).join('; ')}`);
    return reply.data?.Get?.[name] ?? [];
  }

  /** One REST call; a status in `absent` answers null (a class that does not exist). */
  private async request(method: string, path: string, body?: unknown, absent: number[] = []): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers: this.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      if (isCriaError(error)) throw error;
      const code = unreachableCode(error);
      if (code || (error as Error).name === 'TimeoutError') {
        throw new UnavailableError(`Weaviate at ${this.baseUrl} does not answer (${code ?? 'timeout'}); start it or set weaviate_cluster_url (WEAVIATE_CLUSTER_URL).`, { cause: error });
      }
      throw new UpstreamError(this.providerId, `Weaviate at ${this.baseUrl} failed: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (absent.includes(response.status)) return null;
    if (response.status === 401 || response.status === 403) {
      throw new AuthenticationError(`Weaviate at ${this.baseUrl} refused the request (config weaviate_api_key): ${weaviateMessage(text)}`);
    }
    if (!response.ok) throw new UpstreamError(this.providerId, `Weaviate at ${this.baseUrl} failed (${response.status}): ${weaviateMessage(text)}`, { status: response.status });
    return text ? JSON.parse(text) : null;
  }
}

/** Weaviate's error body, `{"error": [{"message": ...}]}`, as text. */
function weaviateMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message: string }[] | string; message?: string };
    if (Array.isArray(body.error)) return body.error.map((error) => error.message).join('; ');
    return body.message ?? String(body.error ?? text);
  } catch {
    return text;
  }
}

function selection(selector: ChunkSelector): WeaviateWhere {
  return 'fileId' in selector
    ? { path: ['file_id'], operator: 'Equal', valueText: selector.fileId }
    : { path: ['chunk_id'], operator: 'ContainsAny', valueTextArray: [...selector.chunkIds] } as WeaviateWhere;
}

function toChunk(content: ChunkContent): StoredChunk {
  return { chunkId: content.chunk_id, content: content.content, metadata: content.metadata ?? {}, chunkMetadata: content.chunk_metadata ?? {} };
}
