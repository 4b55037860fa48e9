import { createHash } from 'node:crypto';
import { ChromaClient, ChromaConnectionError, ChromaNotFoundError, type Collection, type Metadata, type Where, type WhereDocument } from 'chromadb';
import {
  type ChunkMatch,
  type ChunkQuery,
  type ChunkSelector,
  isCriaError,
  type KvStore,
  NotFoundError,
  type ProviderLifecycle,
  type StoredChunk,
  UnavailableError,
  UpstreamError,
  type VectorChunk,
  type VectorIOProvider,
  type VectorStoreDefinition,
} from '@cria/api';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, fuseRankings, KvRegistry, lastOfEachId, matchesAttributeFilter, vectorStoreNotFound, withinScoreThreshold } from '@cria/provider-utils/vector-io';
import { bm25, containsProbes, keywordTerms } from './chromadb-keyword.js';

const PROVIDER = 'chromadb';
/** Registry keys in the persistence namespace: one per vector store. */
const REGISTRY_PREFIX = 'vector_stores::';
/** The last insertion sequence number given out per store. */
const SEQUENCE_PREFIX = 'sequence::';

/** Record metadata keys in Chroma: the chunk's own metadata as JSON (Chroma holds only scalars), and what listing and deleting by file need. */
const METADATA_KEY = 'cria_metadata';
const CHUNK_METADATA_KEY = 'cria_chunk_metadata';
const SEQUENCE_KEY = 'cria_sequence';
const FILE_ID_KEY = 'cria_file_id';

interface RegisteredStore extends VectorStoreDefinition {
  collection: string;
}

/** A Chroma collection name (3–512 characters of [A-Za-z0-9._-], alphanumeric at both ends), unique per store id. */
export function collectionName(storeId: string): string {
  const readable = storeId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `cria_${readable}_${createHash('sha256').update(storeId).digest('hex').slice(0, 12)}`;
}

interface ChromaRecord {
  id: string;
  document: string | null;
  metadata: Metadata | null;
  embedding?: number[] | null;
}

function recordMetadata(chunk: VectorChunk, sequence: number): Metadata {
  const chunkMetadata = chunk.chunkMetadata ?? {};
  const metadata: Metadata = { [METADATA_KEY]: JSON.stringify(chunk.metadata), [CHUNK_METADATA_KEY]: JSON.stringify(chunkMetadata), [SEQUENCE_KEY]: sequence };
  if (typeof chunkMetadata.file_id === 'string') metadata[FILE_ID_KEY] = chunkMetadata.file_id;
  return metadata;
}

function matchOf(record: ChromaRecord, score: number): ChunkMatch {
  const stored = storedOf(record, false);
  return { ...stored, score };
}

function storedOf(record: ChromaRecord, includeEmbedding: boolean): StoredChunk {
  const stored: StoredChunk = {
    chunkId: record.id,
    content: record.document ?? '',
    metadata: JSON.parse(String(record.metadata?.[METADATA_KEY] ?? '{}')) as Record<string, unknown>,
    chunkMetadata: JSON.parse(String(record.metadata?.[CHUNK_METADATA_KEY] ?? '{}')) as Record<string, unknown>,
  };
  if (includeEmbedding && record.embedding) stored.embedding = Array.from(record.embedding);
  return stored;
}

function sequenceOf(record: ChromaRecord): number {
  return Number(record.metadata?.[SEQUENCE_KEY] ?? 0);
}

/**
 * `remote::chromadb`: each vector store is a Chroma collection with cosine distance, reached with
 * the official `chromadb` client; the registry of stores is in the key-value `persistence`.
 * Chroma holds only scalar metadata, so a chunk's metadata travels as JSON and OpenAI attribute
 * filters are applied here, type-strict as every Cria provider applies them. Keyword search asks
 * Chroma for the documents containing a query word (`$contains`) and ranks them by BM25 here.
 */
export class ChromadbVectorIO implements VectorIOProvider, ProviderLifecycle {
  private readonly stores = new Map<string, RegisteredStore>();
  private readonly collections = new Map<string, Collection>();
  private readonly client: ChromaClient | null;
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly url: string | null,
    private readonly kv: KvStore,
    private readonly registry: KvRegistry<RegisteredStore>,
  ) {
    if (url) {
      const parsed = new URL(url);
      const ssl = parsed.protocol === 'https:';
      this.client = new ChromaClient({ host: parsed.hostname, port: parsed.port ? Number(parsed.port) : ssl ? 443 : 80, ssl });
    } else {
      this.client = null;
    }
  }

  /** Reads the registry of stores; Chroma itself is reached only when a request needs it, so the provider starts while the server is down. */
  static async open(url: string | null, kv: KvStore): Promise<ChromadbVectorIO> {
    const provider = new ChromadbVectorIO(url?.trim() || null, kv, new KvRegistry<RegisteredStore>(kv, REGISTRY_PREFIX));
    for (const store of await provider.registry.list()) provider.stores.set(store.id, store);
    return provider;
  }

  async registerVectorStore(definition: VectorStoreDefinition): Promise<void> {
    return this.serially(async () => {
      const registered = await this.registry.get(definition.id);
      checkVectorStoreDefinition(definition, registered);
      const store: RegisteredStore = { id: definition.id, embeddingModel: definition.embeddingModel, embeddingDimension: definition.embeddingDimension, collection: registered?.collection ?? collectionName(definition.id) };
      await this.collection(store);
      await this.registry.put(store);
      this.stores.set(store.id, store);
    });
  }

  /** Drops the store's collection; unregistering a store this provider does not have does nothing. */
  async unregisterVectorStore(storeId: string): Promise<void> {
    return this.serially(async () => {
      const store = this.stores.get(storeId) ?? (await this.registry.get(storeId));
      if (store) {
        await this.call(async (client) => {
          try {
            await client.deleteCollection({ name: store.collection });
          } catch (error) {
            if (!(error instanceof ChromaNotFoundError)) throw error;
          }
        });
      }
      this.collections.delete(storeId);
      this.stores.delete(storeId);
      await this.kv.delete(SEQUENCE_PREFIX + storeId);
      await this.registry.delete(storeId);
    });
  }

  async insertChunks(storeId: string, chunks: readonly VectorChunk[]): Promise<void> {
    const store = this.store(storeId);
    chunks.forEach((chunk, index) => checkEmbedding(chunk.embedding, store.embeddingDimension, `chunks[${index}].embedding`));
    if (chunks.length === 0) return;
    return this.serially(async () => {
      const unique = lastOfEachId(chunks);
      const last = (await this.kv.get<number>(SEQUENCE_PREFIX + storeId)) ?? 0;
      const collection = await this.collection(store);
      await this.kv.set(SEQUENCE_PREFIX + storeId, last + unique.length);
      await this.call(() =>
        collection.upsert({
          ids: unique.map((chunk) => chunk.chunkId),
          embeddings: unique.map((chunk) => [...chunk.embedding]),
          documents: unique.map((chunk) => chunk.content),
          metadatas: unique.map((chunk, index) => recordMetadata(chunk, last + index + 1)),
        }),
      );
    });
  }

  async deleteChunks(storeId: string, selector: ChunkSelector): Promise<void> {
    const store = this.store(storeId);
    return this.serially(async () => {
      const collection = await this.collection(store);
      if ('fileId' in selector) await this.call(() => collection.delete({ where: { [FILE_ID_KEY]: { $eq: selector.fileId } } }));
      else if (selector.chunkIds.length) await this.call(() => collection.delete({ ids: [...selector.chunkIds] }));
    });
  }

  async queryChunks(storeId: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const store = this.store(storeId);
    const embedding = checkChunkQuery(query, store.embeddingDimension);
    const collection = await this.collection(store);
    let matches: ChunkMatch[];
    if (query.mode === 'vector') matches = await this.nearest(collection, embedding!, query);
    else if (query.mode === 'keyword') matches = await this.keyword(collection, query.text!, query);
    else {
      const [vector, keyword] = await Promise.all([this.nearest(collection, embedding!, query), this.keyword(collection, query.text!, query)]);
      matches = fuseRankings(vector, keyword, query.reranker).slice(0, query.maxChunks);
    }
    return withinScoreThreshold(matches, query.scoreThreshold);
  }

  async listChunks(storeId: string, selector: ChunkSelector, options: { includeEmbeddings?: boolean } = {}): Promise<StoredChunk[]> {
    const store = this.store(storeId);
    if ('chunkIds' in selector && selector.chunkIds.length === 0) return [];
    const records = await this.records(await this.collection(store), selector, options.includeEmbeddings === true);
    return records.sort((a, b) => sequenceOf(a) - sequenceOf(b)).map((record) => storedOf(record, options.includeEmbeddings === true));
  }

  async updateChunkMetadata(storeId: string, selector: { fileId: string }, metadata: Record<string, unknown>): Promise<void> {
    const store = this.store(storeId);
    return this.serially(async () => {
      const collection = await this.collection(store);
      const records = await this.records(collection, selector, false);
      if (records.length === 0) return;
      const json = JSON.stringify(metadata);
      await this.call(() => collection.update({ ids: records.map((record) => record.id), metadatas: records.map((record) => ({ ...record.metadata, [METADATA_KEY]: json })) }));
    });
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    if (!this.client) return { status: 'Error', message: this.missingUrl() };
    try {
      await this.client.heartbeat();
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: `Chroma at ${this.url} does not answer: ${(error as Error).message}` };
    }
  }

  async shutdown(): Promise<void> {
    await this.writes.catch(() => undefined);
    this.collections.clear();
  }

  private async nearest(collection: Collection, embedding: readonly number[], query: ChunkQuery): Promise<ChunkMatch[]> {
    const count = await this.call(() => collection.count());
    if (count === 0) return [];
    // Attribute filters are applied here (Chroma's own are not type-strict), so a filtered search ranks the whole collection.
    const result = await this.call(() =>
      collection.query({ queryEmbeddings: [[...embedding]], nResults: query.filter ? count : Math.min(query.maxChunks, count), include: ['documents', 'metadatas', 'distances'] }),
    );
    const matches: ChunkMatch[] = [];
    result.ids[0]!.forEach((id, index) => {
      const match = matchOf({ id, document: result.documents[0]![index] ?? null, metadata: result.metadatas[0]![index] ?? null }, 1 - (result.distances[0]![index] ?? 1));
      if (!query.filter || matchesAttributeFilter(match.metadata, query.filter)) matches.push(match);
    });
    return matches.sort((a, b) => b.score - a.score).slice(0, query.maxChunks);
  }

  private async keyword(collection: Collection, text: string, query: ChunkQuery): Promise<ChunkMatch[]> {
    const terms = keywordTerms(text);
    if (terms.length === 0) return [];
    const probes = containsProbes(text).map((probe) => ({ $contains: probe }));
    const whereDocument = (probes.length === 1 ? probes[0] : { $or: probes }) as WhereDocument;
    const [count, result] = await Promise.all([this.call(() => collection.count()), this.call(() => collection.get({ whereDocument, include: ['documents', 'metadatas'] }))]);
    const candidates = result.ids.map((id, index) => ({ id, document: result.documents[index] ?? null, metadata: result.metadatas[index] ?? null }));
    const scores = bm25(terms, candidates.map((record) => ({ id: record.id, text: record.document ?? '' })), count);
    const matches: ChunkMatch[] = [];
    for (const record of candidates) {
      const score = scores.get(record.id);
      if (score === undefined) continue;
      const match = matchOf(record, score);
      if (!query.filter || matchesAttributeFilter(match.metadata, query.filter)) matches.push(match);
    }
    return matches.sort((a, b) => b.score - a.score).slice(0, query.maxChunks);
  }

  private async records(collection: Collection, selector: ChunkSelector, includeEmbeddings: boolean): Promise<ChromaRecord[]> {
    const where: Where | undefined = 'fileId' in selector ? { [FILE_ID_KEY]: { $eq: selector.fileId } } : undefined;
    const result = await this.call(() =>
      collection.get({ ...(where ? { where } : { ids: [...(selector as { chunkIds: readonly string[] }).chunkIds] }), include: includeEmbeddings ? ['documents', 'metadatas', 'embeddings'] : ['documents', 'metadatas'] }),
    );
    return result.ids.map((id, index) => ({ id, document: result.documents[index] ?? null, metadata: result.metadatas[index] ?? null, embedding: includeEmbeddings ? (result.embeddings[index] ?? null) : null }));
  }

  private store(storeId: string): RegisteredStore {
    const store = this.stores.get(storeId);
    if (!store) throw vectorStoreNotFound(storeId);
    return store;
  }

  private async collection(store: RegisteredStore): Promise<Collection> {
    const open = this.collections.get(store.id);
    if (open) return open;
    const collection = await this.call((client) => client.getOrCreateCollection({ name: store.collection, embeddingFunction: null, configuration: { hnsw: { space: 'cosine' } } }));
    this.collections.set(store.id, collection);
    return collection;
  }

  /** Runs a Chroma call, answering 503 when there is no server to call and naming the server in every failure. */
  private async call<T>(request: (client: ChromaClient) => Promise<T>): Promise<T> {
    if (!this.client) throw new UnavailableError(this.missingUrl());
    try {
      return await request(this.client);
    } catch (error) {
      if (isCriaError(error)) throw error;
      if (error instanceof ChromaConnectionError || (error as Error).name === 'TypeError') {
        throw new UnavailableError(`Chroma at ${this.url} does not answer: ${(error as Error).message}`, { cause: error });
      }
      throw new UpstreamError(PROVIDER, `Chroma at ${this.url} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private missingUrl(): string {
    return 'remote::chromadb has no Chroma server: set CHROMADB_URL (the provider\'s `url`), e.g. http://localhost:8000.';
  }

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write, write);
    this.writes = result.catch(() => undefined);
    return result;
  }
}
