import { randomUUID } from 'node:crypto';
import {
  type AttributeFilter,
  type ChunkMatch,
  type ChunkReranker,
  ConfigError,
  type CreateVectorStoreFileBatchRequest,
  type CreateVectorStoreFileRequest,
  type CreateVectorStoreRequest,
  type CriaError,
  isCriaError,
  type FilesApi,
  type InferenceApi,
  type InsertChunksRequest,
  InvalidRequestError,
  type ListVectorStoreFilesQuery,
  type ListVectorStoresQuery,
  type Model,
  type ModelsApi,
  NotFoundError,
  type OpenAIFile,
  type ProviderLogger,
  type QueryChunksRequest,
  type QueryChunksResponse,
  readFileContent,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  type StaticChunkingStrategy,
  UnavailableError,
  UnsupportedError,
  type UpdateVectorStoreFileRequest,
  type UpdateVectorStoreRequest,
  UpstreamError,
  type VectorChunk,
  type VectorIOApi,
  type VectorIOProvider,
  type VectorStore,
  type VectorStoreDeleted,
  type VectorStoreFile,
  type VectorStoreFileAttributes,
  type VectorStoreFileBatch,
  type VectorStoreFileContent,
  type VectorStoreFileContentQuery,
  type VectorStoreFileCounts,
  type VectorStoreFileDeleted,
  type VectorStoreFileLastError,
  type VectorStoreFileList,
  type VectorStoreFileStatus,
  type VectorStoreList,
  type VectorStoreMetadata,
  type VectorStoreSearchRequest,
  type VectorStoreSearchResult,
  type VectorStoreSearchResultsPage,
} from '@cria/api';
import { ChunkEmbedder, type EmbeddingTarget } from './vector-io-embedder.js';
import { CHUNK_TOKENIZER, chunkByTokens, chunkIdFor, DEFAULT_CHUNK_OVERLAP_TOKENS, DEFAULT_CHUNK_SIZE_TOKENS } from './vector-stores-chunking.js';
import { extractText, IngestionError } from './vector-stores-extraction.js';
import { IngestionQueue, type IngestionTask, KeyedLock } from './vector-stores-ingestion.js';
import {
  contentText,
  countStatuses,
  emptyCounts,
  fileChunkMetadata,
  fileObject,
  isExpired,
  nowSeconds,
  scalarAttributes,
  staticChunkingStrategy,
  storeObject,
  SYSTEM_METADATA_KEYS,
} from './vector-stores-objects.js';
import type { VectorStoresSettings } from './vector-stores-settings.js';
import type { BatchRecord, FileRecord, StoreRecord, VectorStoresTables } from './vector-stores-tables.js';

export interface VectorIOProviderHandle {
  providerId: string;
  impl: VectorIOProvider;
}

export interface VectorIORouterOptions {
  providers: readonly VectorIOProviderHandle[];
  tables: VectorStoresTables;
  /** The files API, to read attached files. */
  files: FilesApi | null;
  /** The inference API, to embed. */
  inference: InferenceApi | null;
  /** The models API, to check embedding models. */
  models: ModelsApi | null;
  registry: ResourceRegistry;
  settings: VectorStoresSettings;
  logger: ProviderLogger;
  /** The distribution's registered vector stores. */
  registered?: readonly Record<string, unknown>[];
}

/** A store in memory: its record, and its file counts and usage kept up to date as files change. */
interface StoreState {
  record: StoreRecord;
  counts: VectorStoreFileCounts;
  usageBytes: number;
  /** Why the store cannot be used now (its provider is not enabled or failed to open it). */
  unavailable: string | null;
}

/** A file to attach, with what it is attached with. */
interface Attachment {
  file: OpenAIFile;
  attributes: VectorStoreFileAttributes | null;
  chunkingStrategy: StaticChunkingStrategy;
}

const FLOAT_BYTES = 4;

function storeNotFound(vectorStoreId: string): NotFoundError {
  return new NotFoundError('vector store', vectorStoreId, `Vector store '${vectorStoreId}' not found.`, { param: 'vector_store_id' });
}

function fileNotFound(vectorStoreId: string, fileId: string): NotFoundError {
  return new NotFoundError('vector store file', fileId, `File '${fileId}' is not attached to vector store '${vectorStoreId}'.`, { param: 'file_id' });
}

function lockKey(vectorStoreId: string, fileId: string): string {
  return `${vectorStoreId}/${fileId}`;
}

/** What a failed ingestion tells the user, in OpenAI's `last_error` codes. */
function lastErrorOf(error: unknown): VectorStoreFileLastError {
  if (error instanceof IngestionError) return { code: error.code, message: error.message };
  if (isCriaError(error, 'rate_limited')) return { code: 'rate_limit_exceeded', message: error.message };
  return { code: 'server_error', message: error instanceof Error ? error.message : String(error) };
}

/** Keeps the best score of each chunk found by several queries, best first. */
function mergeMatches(lists: readonly ChunkMatch[][], limit: number): ChunkMatch[] {
  const best = new Map<string, ChunkMatch>();
  for (const list of lists) {
    for (const match of list) {
      const known = best.get(match.chunkId);
      if (!known || match.score > known.score) best.set(match.chunkId, match);
    }
  }
  return [...best.values()].sort((left, right) => right.score - left.score).slice(0, limit);
}

/**
 * The vector_io API: Llama Stack's chunk insert and query routed to the provider that holds the
 * store, and OpenAI's vector stores (stores, attached files, file batches, search) with their
 * ingestion. Stores, files and batches are records in SQL tables; chunks live only at the
 * providers, which give back a file's content, embeddings and attribute updates. Files are
 * ingested in the background: read from the files API, turned to text, cut into token windows,
 * embedded in batches through the inference router, and inserted all at once before the file is
 * marked `completed`; a file that fails is marked `failed` with `last_error`.
 */
export class VectorIORouter implements VectorIOApi, RouterLifecycle {
  private readonly stores = new Map<string, StoreState>();
  private readonly providers = new Map<string, VectorIOProvider>();
  private readonly tables: VectorStoresTables;
  private readonly files: FilesApi | null;
  private readonly models: ModelsApi | null;
  private readonly registered: readonly Record<string, unknown>[];
  private readonly settings: VectorStoresSettings;
  private readonly logger: ProviderLogger;
  private readonly embedder: ChunkEmbedder;
  private readonly queue: IngestionQueue;
  /** Serialises what changes one attached file: the end of its ingestion, attribute updates, removal. */
  private readonly locks = new KeyedLock();
  /** Microseconds since the epoch, strictly increasing: the order stores, files and batches are listed in. */
  private lastSequence = 0;

  constructor(options: VectorIORouterOptions) {
    for (const { providerId, impl } of options.providers) this.providers.set(providerId, impl);
    this.tables = options.tables;
    this.files = options.files;
    this.models = options.models;
    this.registered = options.registered ?? [];
    this.settings = options.settings;
    this.logger = options.logger;
    this.embedder = new ChunkEmbedder(options.inference, options.logger);
    this.queue = new IngestionQueue(options.settings.maxConcurrentFiles, (task, signal) => this.ingest(task, signal), options.logger);
  }

  /**
   * Loads the stores and reopens them at their providers, recounts their files, creates the
   * distribution's registered stores, and resumes the ingestion a stop interrupted.
   */
  async start(): Promise<void> {
    const registered = this.registered;
    const registeredPath = 'registered_resources.vector_stores';
    await this.tables.initialize();
    for (const record of await this.tables.allStores()) {
      this.lastSequence = Math.max(this.lastSequence, record.sequence);
      const state: StoreState = { record, counts: emptyCounts(), usageBytes: 0, unavailable: null };
      this.stores.set(record.id, state);
      const provider = this.providers.get(record.providerId);
      if (!provider) {
        state.unavailable = `its vector_io provider '${record.providerId}' is not enabled in this distribution`;
        this.logger.warn(`vector store ${record.id} is unavailable: ${state.unavailable}`);
        continue;
      }
      try {
        await provider.registerVectorStore({ id: record.id, embeddingModel: record.embeddingModel, embeddingDimension: record.embeddingDimension });
      } catch (error) {
        state.unavailable = `its provider '${record.providerId}' could not open it: ${(error as Error).message}`;
        this.logger.warn(`vector store ${record.id} is unavailable: ${state.unavailable}`);
      }
    }
    const orphans = new Set<string>();
    const interrupted: FileRecord[] = [];
    for (const file of await this.tables.allFiles()) {
      this.lastSequence = Math.max(this.lastSequence, file.sequence);
      const state = this.stores.get(file.vectorStoreId);
      if (!state) {
        orphans.add(file.vectorStoreId);
        continue;
      }
      state.counts[file.status]++;
      state.counts.total++;
      state.usageBytes += file.usageBytes;
      if (file.status === 'in_progress') interrupted.push(file);
    }
    for (const vectorStoreId of orphans) await this.tables.deleteOrphans(vectorStoreId);
    for (const [index, entry] of registered.entries()) await this.registerConfigured(entry, `${registeredPath}[${index}]`);
    for (const file of interrupted) {
      if (this.stores.get(file.vectorStoreId)?.unavailable) continue;
      this.logger.info('resuming the ingestion of a file', { vector_store_id: file.vectorStoreId, file_id: file.fileId });
      this.queue.enqueue({ vectorStoreId: file.vectorStoreId, fileId: file.fileId });
    }
  }

  /** Resolves when no file is being ingested or waiting to be. */
  whenIngested(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops ingestion; the files it interrupts stay `in_progress` and are resumed at the next start. */
  async close(): Promise<void> {
    await this.queue.close();
  }

  // Llama Stack's vector IO

  async insertChunks(request: InsertChunksRequest, context?: Partial<RequestContext>): Promise<void> {
    const state = this.requireStore(request.vector_store_id, { param: 'vector_store_id' });
    if (request.ttl_seconds !== undefined && request.ttl_seconds !== null) {
      throw new UnsupportedError('ttl_seconds is not supported: chunks live until they, their file or their vector store are deleted.', { param: 'ttl_seconds' });
    }
    if (request.chunks.length === 0) return;
    const { record } = state;
    const texts = request.chunks.map((chunk) => contentText(chunk.content));
    request.chunks.forEach((chunk, index) => {
      if (chunk.embedding_model !== undefined && chunk.embedding_model !== record.embeddingModel) {
        throw new InvalidRequestError(`Chunk ${index} was embedded with '${chunk.embedding_model}'; vector store '${record.id}' uses '${record.embeddingModel}'.`, { param: `chunks[${index}].embedding_model` });
      }
      const dimension = chunk.embedding?.length ?? chunk.embedding_dimension;
      if (dimension !== undefined && dimension !== record.embeddingDimension) {
        throw new InvalidRequestError(`Embedding at index ${index} has dimension ${dimension}, expected ${record.embeddingDimension}.`, { param: `chunks[${index}].embedding` });
      }
    });
    const missing = request.chunks.flatMap((chunk, index) => (chunk.embedding ? [] : [index]));
    const computed = missing.length ? await this.embedder.embed(this.target(record), missing.map((index) => texts[index]!), context?.signal) : [];
    const vectors = new Map(missing.map((index, position) => [index, computed[position]!]));
    const chunks: VectorChunk[] = request.chunks.map((chunk, index) => {
      const metadata = chunk.metadata ?? {};
      const documentId = chunk.chunk_metadata?.document_id ?? (typeof metadata.document_id === 'string' ? metadata.document_id : null);
      const chunkId = chunk.chunk_id ?? chunk.chunk_metadata?.chunk_id ?? chunkIdFor(documentId ?? '', texts[index]!);
      const chunkMetadata = Object.fromEntries(Object.entries(chunk.chunk_metadata ?? {}).filter(([, value]) => value !== null && value !== undefined));
      return {
        chunkId,
        content: texts[index]!,
        metadata,
        chunkMetadata: { ...chunkMetadata, chunk_id: chunkId, ...(documentId ? { document_id: documentId } : {}) },
        embedding: chunk.embedding ?? vectors.get(index)!,
      };
    });
    await this.provider(state).insertChunks(record.id, chunks);
  }

  async queryChunks(request: QueryChunksRequest, context?: Partial<RequestContext>): Promise<QueryChunksResponse> {
    const state = this.requireStore(request.vector_store_id, { param: 'vector_store_id' });
    const { record } = state;
    const params = request.params ?? {};
    const mode = params.mode ?? 'vector';
    const text = contentText(request.query);
    const reranker = mode === 'hybrid' ? this.reranker(params.reranker_type ?? null, params.reranker_params?.impact_factor, params.reranker_params?.alpha) : undefined;
    const embedding = mode === 'keyword' ? undefined : (await this.embedder.embed(this.target(record), [text], context?.signal))[0];
    const provider = this.provider(state);
    // Llama Stack sets no threshold by default: a negative cosine similarity is still a match.
    const matches = await provider.queryChunks(record.id, {
      mode,
      text,
      maxChunks: params.max_chunks ?? 3,
      ...(params.score_threshold !== undefined && params.score_threshold !== null ? { scoreThreshold: params.score_threshold } : {}),
      ...(embedding ? { embedding } : {}),
      ...(reranker ? { reranker } : {}),
      ...(params.filters ? { filter: params.filters as AttributeFilter } : {}),
    });
    // Llama Stack answers each chunk with its embedding, which a query does not return.
    const embeddings = new Map<string, number[]>();
    if (matches.length) {
      for (const chunk of await provider.listChunks(record.id, { chunkIds: matches.map((match) => match.chunkId) }, { includeEmbeddings: true })) embeddings.set(chunk.chunkId, chunk.embedding!);
    }
    // A chunk deleted between the query and the listing is left out, with its score.
    const found = matches.filter((match) => embeddings.has(match.chunkId));
    const chunks = found.map(
      (match): QueryChunksResponse['chunks'][number] => ({
        content: match.content,
        chunk_id: match.chunkId,
        metadata: match.metadata,
        chunk_metadata: match.chunkMetadata,
        embedding: embeddings.get(match.chunkId)!,
        embedding_model: record.embeddingModel,
        embedding_dimension: record.embeddingDimension,
      }),
    );
    return { chunks, scores: found.map((match) => match.score) };
  }

  // OpenAI's vector stores

  async createVectorStore(request: CreateVectorStoreRequest): Promise<VectorStore> {
    const metadata = request.metadata ?? {};
    const providerId = this.chooseProvider(request.provider_id ?? (typeof metadata.provider_id === 'string' ? metadata.provider_id : undefined));
    const embeddingModel = request.embedding_model ?? (typeof metadata.embedding_model === 'string' ? metadata.embedding_model : undefined);
    const requestedDimension = request.embedding_dimension ?? (metadata.embedding_dimension !== undefined ? Number(metadata.embedding_dimension) : undefined);
    const chunkingStrategy = staticChunkingStrategy(request.chunking_strategy, 'chunking_strategy');
    const attachments = await this.uploadedFiles((request.file_ids ?? []).map((fileId, index) => ({ fileId, param: `file_ids[${index}]`, attributes: null, chunkingStrategy })));
    const state = await this.addStore({
      id: `vs_${randomUUID()}`,
      name: request.name ?? null,
      description: request.description ?? null,
      expiresAfter: request.expires_after ?? null,
      metadata: userMetadata(request.metadata),
      providerId,
      embeddingModel,
      requestedDimension,
    });
    for (const attachment of attachments) await this.attach(state, attachment, null);
    return storeObject(state.record, state.counts, state.usageBytes);
  }

  async listVectorStores(query: ListVectorStoresQuery): Promise<VectorStoreList> {
    const order = query.order ?? 'desc';
    let stores = [...this.stores.values()].sort((left, right) => (order === 'asc' ? 1 : -1) * (left.record.sequence - right.record.sequence));
    if (query.after !== undefined) stores = stores.slice(this.cursorIndex(stores, query.after, 'after') + 1);
    if (query.before !== undefined) stores = stores.slice(0, this.cursorIndex(stores, query.before, 'before'));
    const limit = query.limit ?? 20;
    // Paging backwards (`before`) keeps the stores nearest the cursor.
    const page = query.before !== undefined && query.after === undefined ? stores.slice(-limit) : stores.slice(0, limit);
    const data = page.map((state) => storeObject(state.record, state.counts, state.usageBytes));
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: stores.length > limit };
  }

  async retrieveVectorStore(vectorStoreId: string): Promise<VectorStore> {
    const state = this.storeState(vectorStoreId);
    return storeObject(state.record, state.counts, state.usageBytes);
  }

  async updateVectorStore(vectorStoreId: string, request: UpdateVectorStoreRequest): Promise<VectorStore> {
    const state = this.storeState(vectorStoreId);
    const providerId = request.metadata?.provider_id;
    if (providerId !== undefined && providerId !== state.record.providerId) {
      throw new InvalidRequestError('provider_id cannot be changed after vector store creation.', { param: 'metadata.provider_id' });
    }
    const record: StoreRecord = {
      ...state.record,
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.expires_after !== undefined ? { expiresAfter: request.expires_after } : {}),
      ...(request.metadata !== undefined ? { metadata: userMetadata(request.metadata) } : {}),
      lastActiveAt: nowSeconds(),
    };
    await this.tables.updateStore(record);
    state.record = record;
    return storeObject(record, state.counts, state.usageBytes);
  }

  async deleteVectorStore(vectorStoreId: string): Promise<VectorStoreDeleted> {
    const state = this.storeState(vectorStoreId);
    this.stores.delete(vectorStoreId);
    await this.queue.cancelStore(vectorStoreId);
    await this.tables.deleteStore(vectorStoreId);
    const provider = this.providers.get(state.record.providerId);
    await provider?.unregisterVectorStore(vectorStoreId).catch((error: Error) => this.logger.warn('the provider could not drop a deleted vector store', { vector_store_id: vectorStoreId, error: error.message }));
    return { id: vectorStoreId, object: 'vector_store.deleted', deleted: true };
  }

  async searchVectorStore(vectorStoreId: string, request: VectorStoreSearchRequest, context?: Partial<RequestContext>): Promise<VectorStoreSearchResultsPage> {
    const state = this.requireStore(vectorStoreId, { active: true });
    const { record } = state;
    let queries = typeof request.query === 'string' ? [request.query] : request.query;
    if (request.rewrite_query) queries = [await this.rewriteQuery(queries.join(' '), context)];
    const mode = request.search_mode ?? 'vector';
    const limit = request.max_num_results ?? 10;
    const options = request.ranking_options ?? null;
    const reranker = mode === 'hybrid' ? this.reranker(options?.ranker ?? null, options?.impact_factor ?? undefined, options?.alpha ?? undefined) : undefined;
    const embeddings = mode === 'keyword' ? [] : await this.embedder.embed(this.target(record), queries, context?.signal);
    const provider = this.provider(state);
    const lists = await Promise.all(
      queries.map((text, index) =>
        provider.queryChunks(record.id, {
          mode,
          text,
          maxChunks: limit,
          // OpenAI's ranking_options.score_threshold defaults to 0.
          scoreThreshold: options?.score_threshold ?? 0,
          ...(embeddings[index] ? { embedding: embeddings[index] } : {}),
          ...(reranker ? { reranker } : {}),
          ...(request.filters ? { filter: request.filters as AttributeFilter } : {}),
        }),
      ),
    );
    const attached = new Map<string, FileRecord | undefined>();
    const data: VectorStoreSearchResult[] = [];
    for (const match of mergeMatches(lists, limit)) {
      const fileId = String(match.chunkMetadata.file_id ?? match.metadata.file_id ?? match.metadata.document_id ?? match.chunkMetadata.document_id ?? '');
      if (fileId && !attached.has(fileId)) attached.set(fileId, await this.tables.file(record.id, fileId));
      const file = fileId ? attached.get(fileId) : undefined;
      data.push({
        file_id: fileId,
        filename: file?.filename ?? String(match.metadata.filename ?? ''),
        score: match.score,
        attributes: file ? (file.attributes ?? {}) : scalarAttributes(match.metadata),
        content: [{ type: 'text', text: match.content }],
      });
    }
    await this.touch(state);
    return { object: 'vector_store.search_results.page', search_query: queries, data, has_more: false, next_page: null };
  }

  // Files of a store

  async attachFile(vectorStoreId: string, request: CreateVectorStoreFileRequest): Promise<VectorStoreFile> {
    const state = this.requireStore(vectorStoreId, { active: true });
    const chunkingStrategy = staticChunkingStrategy(request.chunking_strategy, 'chunking_strategy');
    const [attachment] = await this.uploadedFiles([{ fileId: request.file_id, param: 'file_id', attributes: request.attributes ?? null, chunkingStrategy }]);
    const record = await this.locks.run(lockKey(vectorStoreId, request.file_id), async () => {
      // Attaching a file twice answers with the attachment there is (as Llama Stack does).
      const existing = await this.tables.file(vectorStoreId, request.file_id);
      return existing ?? this.attach(state, attachment!, null);
    });
    await this.touch(state);
    return fileObject(record);
  }

  async listFiles(vectorStoreId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    this.storeState(vectorStoreId);
    return this.fileList({ vectorStoreId, ...(query.filter ? { status: query.filter } : {}) }, query);
  }

  async retrieveFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFile> {
    this.storeState(vectorStoreId);
    return fileObject(await this.requireFile(vectorStoreId, fileId));
  }

  async updateFile(vectorStoreId: string, fileId: string, request: UpdateVectorStoreFileRequest): Promise<VectorStoreFile> {
    const state = this.storeState(vectorStoreId);
    await this.requireFile(vectorStoreId, fileId);
    return this.locks.run(lockKey(vectorStoreId, fileId), async () => {
      const current = await this.requireFile(vectorStoreId, fileId);
      const updated: FileRecord = { ...current, attributes: request.attributes ?? null };
      // The chunks carry the attributes searches filter on. A file still being ingested gets
      // the latest attributes when its chunks are inserted (under this lock).
      if (current.status === 'completed') await this.provider(state).updateChunkMetadata(vectorStoreId, { fileId }, fileChunkMetadata(updated.attributes, fileId, current.filename));
      await this.tables.updateFile(updated);
      return fileObject(updated);
    });
  }

  async deleteFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFileDeleted> {
    const state = this.storeState(vectorStoreId);
    await this.requireFile(vectorStoreId, fileId);
    await this.queue.cancel(vectorStoreId, fileId);
    await this.locks.run(lockKey(vectorStoreId, fileId), async () => {
      const current = await this.tables.file(vectorStoreId, fileId);
      if (current) await this.detach(state, current);
    });
    return { id: fileId, object: 'vector_store.file.deleted', deleted: true };
  }

  async retrieveFileContent(vectorStoreId: string, fileId: string, query: VectorStoreFileContentQuery): Promise<VectorStoreFileContent> {
    const state = this.storeState(vectorStoreId);
    await this.requireFile(vectorStoreId, fileId);
    // The chunks in the order they were cut from the file, so their texts rebuild it.
    const chunks = await this.provider(state).listChunks(vectorStoreId, { fileId }, { includeEmbeddings: query.include_embeddings === true });
    return {
      object: 'vector_store.file_content.page',
      data: chunks.map((chunk) => ({
        type: 'text',
        text: chunk.content,
        ...(chunk.embedding ? { embedding: chunk.embedding } : {}),
        ...(query.include_metadata ? { metadata: chunk.metadata, chunk_metadata: chunk.chunkMetadata } : {}),
      })),
      has_more: false,
      next_page: null,
    };
  }

  // File batches

  async createFileBatch(vectorStoreId: string, request: CreateVectorStoreFileBatchRequest): Promise<VectorStoreFileBatch> {
    const state = this.requireStore(vectorStoreId, { active: true });
    if (request.file_ids && request.files) throw new InvalidRequestError('Give file_ids or files, not both.', { param: 'files' });
    if (!request.file_ids && !request.files) throw new InvalidRequestError("Missing required parameter: 'file_ids'.", { param: 'file_ids' });
    const entries = request.files
      ? request.files.map((entry, index) => ({
          fileId: entry.file_id,
          param: `files[${index}].file_id`,
          attributes: entry.attributes ?? null,
          chunkingStrategy: staticChunkingStrategy(entry.chunking_strategy, `files[${index}].chunking_strategy`),
        }))
      : (() => {
          const chunkingStrategy = staticChunkingStrategy(request.chunking_strategy, 'chunking_strategy');
          return request.file_ids!.map((fileId, index) => ({ fileId, param: `file_ids[${index}]`, attributes: request.attributes ?? null, chunkingStrategy }));
        })();
    const seen = new Set<string>();
    const unique = entries.filter((entry) => !seen.has(entry.fileId) && seen.add(entry.fileId));
    const attachments = await this.uploadedFiles(unique);
    const batch: BatchRecord = { id: `batch_${randomUUID()}`, vectorStoreId, createdAt: nowSeconds(), cancelled: false, sequence: this.nextSequence() };
    await this.tables.insertBatch(batch);
    for (const attachment of attachments) {
      // A file the store has already is processed again as part of the batch.
      await this.queue.cancel(vectorStoreId, attachment.file.id);
      await this.locks.run(lockKey(vectorStoreId, attachment.file.id), async () => {
        const existing = await this.tables.file(vectorStoreId, attachment.file.id);
        if (existing) await this.detach(state, existing);
        await this.attach(state, attachment, batch.id);
      });
    }
    await this.touch(state);
    return this.batchObject(batch);
  }

  async retrieveFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch> {
    this.storeState(vectorStoreId);
    return this.batchObject(await this.requireBatch(vectorStoreId, batchId));
  }

  async cancelFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch> {
    const state = this.storeState(vectorStoreId);
    const batch = await this.requireBatch(vectorStoreId, batchId);
    const current = await this.batchObject(batch);
    if (current.status !== 'in_progress') {
      throw new InvalidRequestError(`Cannot cancel file batch '${batchId}': it is ${current.status}.`, { param: 'batch_id', code: 'batch_not_in_progress' });
    }
    await this.tables.markBatchCancelled(batchId);
    for (const file of await this.tables.filesWhere({ vectorStoreId, batchId, status: 'in_progress' })) {
      await this.queue.cancel(vectorStoreId, file.fileId);
      await this.locks.run(lockKey(vectorStoreId, file.fileId), async () => {
        const latest = await this.tables.file(vectorStoreId, file.fileId);
        if (latest?.status !== 'in_progress' || latest.batchId !== batchId) return;
        await this.removeChunks(state, file.fileId);
        await this.transition(latest, 'cancelled', {});
      });
    }
    return this.batchObject({ ...batch, cancelled: true });
  }

  async listFileBatchFiles(vectorStoreId: string, batchId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    this.storeState(vectorStoreId);
    await this.requireBatch(vectorStoreId, batchId);
    return this.fileList({ vectorStoreId, batchId, ...(query.filter ? { status: query.filter } : {}) }, query);
  }

  // Ingestion

  /** The background work of one attached file (run by the queue). */
  private async ingest(task: IngestionTask, signal: AbortSignal): Promise<void> {
    const { vectorStoreId, fileId } = task;
    const state = this.stores.get(vectorStoreId);
    const attached = await this.tables.file(vectorStoreId, fileId);
    if (!state || state.unavailable || attached?.status !== 'in_progress') return;
    const { record } = state;
    try {
      const text = await this.fileText(attached);
      signal.throwIfAborted();
      const { max_chunk_size_tokens: size = DEFAULT_CHUNK_SIZE_TOKENS, chunk_overlap_tokens: overlap = DEFAULT_CHUNK_OVERLAP_TOKENS } = attached.chunkingStrategy.static;
      const pieces = await chunkByTokens(text, size, overlap);
      if (pieces.length === 0) throw new IngestionError('invalid_file', 'No text could be extracted from the file, so it has nothing to search.');
      const vectors = await this.embedder.embed(this.target(record), pieces.map((piece) => piece.text), signal);
      signal.throwIfAborted();
      await this.locks.run(lockKey(vectorStoreId, fileId), async () => {
        // Attributes may have changed while the file was being embedded: use the latest.
        const current = await this.tables.file(vectorStoreId, fileId);
        if (current?.status !== 'in_progress' || signal.aborted) return;
        const createdAt = nowSeconds();
        const chunks: VectorChunk[] = pieces.map((piece, position) => {
          // Derived from the file and the window, so a resumed ingestion replaces what an
          // interrupted one inserted rather than adding to it.
          const chunkId = chunkIdFor(fileId, piece.text, piece.window);
          return {
            chunkId,
            content: piece.text,
            metadata: fileChunkMetadata(current.attributes, fileId, current.filename),
            chunkMetadata: {
              file_id: fileId,
              document_id: fileId,
              chunk_id: chunkId,
              source: current.filename,
              created_timestamp: createdAt,
              updated_timestamp: createdAt,
              chunk_window: piece.window,
              chunk_tokenizer: CHUNK_TOKENIZER,
              content_token_count: piece.tokenCount,
            },
            embedding: vectors[position]!,
          };
        });
        // An attempt a crash interrupted may have left chunks: the file's chunks are replaced whole
        // (one insert, all or nothing), and only then is the file `completed`.
        await this.removeChunks(state, fileId);
        await this.provider(state).insertChunks(vectorStoreId, chunks);
        const usageBytes = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.content) + chunk.embedding.length * FLOAT_BYTES, 0);
        await this.transition(current, 'completed', { usageBytes, lastError: null });
      });
    } catch (error) {
      // Cancelled, detached or shutting down: whoever stopped the file decides what it becomes.
      if (signal.aborted) return;
      const lastError = lastErrorOf(error);
      this.logger.warn('file ingestion failed', { vector_store_id: vectorStoreId, file_id: fileId, code: lastError.code, error: lastError.message });
      await this.locks.run(lockKey(vectorStoreId, fileId), async () => {
        const current = await this.tables.file(vectorStoreId, fileId);
        if (current?.status !== 'in_progress') return;
        await this.removeChunks(state, fileId).catch(() => undefined);
        await this.transition(current, 'failed', { lastError });
      });
    }
  }

  private async fileText(file: FileRecord): Promise<string> {
    if (!this.files) throw new IngestionError('server_error', 'This distribution has no files provider enabled to read the file from.');
    let content;
    try {
      content = await this.files.retrieveFileContent(file.fileId);
    } catch (error) {
      if (NotFoundError.is(error)) throw new IngestionError('invalid_file', `File '${file.fileId}' no longer exists in the files API.`);
      throw error;
    }
    return extractText(await readFileContent(content), file.filename || content.file.filename);
  }

  /** Moves a file out of `from` (its current status); adjusts the store's counts if it moved. */
  private async transition(from: FileRecord, status: VectorStoreFileStatus, changes: { usageBytes?: number; lastError?: VectorStoreFileLastError | null }): Promise<void> {
    const next: FileRecord = { ...from, status, usageBytes: changes.usageBytes ?? from.usageBytes, lastError: changes.lastError === undefined ? from.lastError : changes.lastError };
    if (!(await this.tables.updateFile(next, from.status))) return;
    const state = this.stores.get(from.vectorStoreId);
    if (!state) return;
    state.counts[from.status]--;
    state.counts[status]++;
    state.usageBytes += next.usageBytes - from.usageBytes;
  }

  /** Records an attachment (`in_progress`) and queues its ingestion. */
  private async attach(state: StoreState, attachment: Attachment, batchId: string | null): Promise<FileRecord> {
    const record: FileRecord = {
      vectorStoreId: state.record.id,
      fileId: attachment.file.id,
      createdAt: nowSeconds(),
      sequence: this.nextSequence(),
      status: 'in_progress',
      lastError: null,
      attributes: attachment.attributes,
      chunkingStrategy: attachment.chunkingStrategy,
      usageBytes: 0,
      filename: attachment.file.filename,
      batchId,
    };
    await this.tables.insertFile(record);
    state.counts.in_progress++;
    state.counts.total++;
    this.queue.enqueue({ vectorStoreId: record.vectorStoreId, fileId: record.fileId });
    return record;
  }

  /** Removes an attachment and its chunks (its ingestion already stopped). */
  private async detach(state: StoreState, file: FileRecord): Promise<void> {
    await this.removeChunks(state, file.fileId);
    await this.tables.deleteFile(file.vectorStoreId, file.fileId);
    state.counts[file.status]--;
    state.counts.total--;
    state.usageBytes -= file.usageBytes;
  }

  private async removeChunks(state: StoreState, fileId: string): Promise<void> {
    await this.provider(state).deleteChunks(state.record.id, { fileId });
  }

  // Helpers

  private async addStore(input: {
    id: string;
    name: string | null;
    description: string | null;
    expiresAfter: StoreRecord['expiresAfter'];
    metadata: StoreRecord['metadata'];
    providerId: string;
    embeddingModel: string | undefined;
    requestedDimension: number | undefined;
  }): Promise<StoreState> {
    const { model, dimension, native } = await this.embeddingModel(input.embeddingModel, input.requestedDimension);
    const now = nowSeconds();
    const record: StoreRecord = {
      id: input.id,
      name: input.name,
      description: input.description,
      createdAt: now,
      lastActiveAt: now,
      expiresAfter: input.expiresAfter,
      metadata: input.metadata,
      providerId: input.providerId,
      embeddingModel: model.id,
      embeddingDimension: dimension,
      sendDimensions: native !== dimension,
      sequence: this.nextSequence(),
    };
    await this.providers.get(input.providerId)!.registerVectorStore({ id: record.id, embeddingModel: record.embeddingModel, embeddingDimension: dimension });
    await this.tables.insertStore(record);
    const state: StoreState = { record, counts: emptyCounts(), usageBytes: 0, unavailable: null };
    this.stores.set(record.id, state);
    return state;
  }

  /** The store's embedding model (checked to be one) and dimension: as asked, else the distribution's default. */
  private async embeddingModel(requested: string | undefined, requestedDimension: number | undefined): Promise<{ model: Model; dimension: number; native: number | null }> {
    const id = requested ?? this.settings.defaultEmbeddingModel;
    if (!id) {
      throw new InvalidRequestError(
        'No embedding model: pass embedding_model (with extra_body in the OpenAI client), or set vector_stores.default_embedding_model in the distribution.',
        { param: 'embedding_model', code: 'embedding_model_required' },
      );
    }
    this.embedder.requireInference();
    if (!this.models) throw new InvalidRequestError('This distribution serves no models API, so embedding models cannot be checked.', { param: 'embedding_model' });
    let model: Model;
    try {
      model = await this.models.getModel(id);
    } catch (error) {
      if (NotFoundError.is(error)) throw new InvalidRequestError(`Embedding model '${id}' not found. Use GET /v1/models to see the models this server routes.`, { param: 'embedding_model', code: 'model_not_found' });
      if (UnavailableError.is(error)) throw new UnavailableError(error.message, { param: 'embedding_model', code: error.code, retryAfterSeconds: error.retryAfterSeconds });
      throw error;
    }
    if (model.custom_metadata?.status === 'unavailable') {
      throw new UnavailableError(`Model '${id}' is unavailable: ${String(model.custom_metadata.error ?? 'its provider cannot serve it now')}`, { param: 'embedding_model', code: 'model_unavailable' });
    }
    if (model.model_type !== 'embedding') {
      throw new InvalidRequestError(`Model '${id}' is not an embedding model (it is of type ${model.model_type}).`, { param: 'embedding_model', code: 'invalid_model_type' });
    }
    const nativeValue = model.metadata.embedding_dimension;
    const native = nativeValue === undefined || nativeValue === null ? null : Number(nativeValue);
    const configured = !requested || requested === this.settings.defaultEmbeddingModel ? this.settings.defaultEmbeddingDimension : null;
    const dimension = requestedDimension ?? configured ?? native;
    if (!dimension || !Number.isInteger(dimension) || dimension < 1) {
      throw new InvalidRequestError(`The dimension of embedding model '${model.id}' is not known: pass embedding_dimension.`, { param: 'embedding_dimension' });
    }
    return { model, dimension, native };
  }

  private chooseProvider(requested: string | undefined): string {
    if (requested !== undefined) {
      if (!this.providers.has(requested)) {
        throw new InvalidRequestError(`No vector_io provider '${requested}' (enabled: ${[...this.providers.keys()].join(', ')}).`, { param: 'provider_id' });
      }
      return requested;
    }
    if (this.providers.size === 1) return [...this.providers.keys()][0]!;
    const fallback = this.settings.defaultProviderId;
    if (fallback && this.providers.has(fallback)) return fallback;
    throw new InvalidRequestError(
      `Several vector_io providers are enabled (${[...this.providers.keys()].join(', ')}): pass provider_id (with extra_body in the OpenAI client), or set vector_stores.default_provider_id in the distribution.`,
      { param: 'provider_id' },
    );
  }

  /** The files to attach, checked to exist in the files API. */
  private async uploadedFiles(entries: readonly { fileId: string; param: string; attributes: VectorStoreFileAttributes | null; chunkingStrategy: StaticChunkingStrategy }[]): Promise<Attachment[]> {
    if (entries.length === 0) return [];
    if (!this.files) throw new InvalidRequestError('This distribution has no files provider enabled, so files cannot be attached to vector stores.', { param: entries[0]!.param });
    const files = this.files;
    return Promise.all(
      entries.map(async (entry) => {
        try {
          return { file: await files.retrieveFile(entry.fileId), attributes: entry.attributes, chunkingStrategy: entry.chunkingStrategy };
        } catch (error) {
          if (NotFoundError.is(error)) throw new NotFoundError('file', entry.fileId, `No such File object: ${entry.fileId}`, { param: entry.param });
          throw error;
        }
      }),
    );
  }

  private async registerConfigured(entry: Record<string, unknown>, path: string): Promise<void> {
    const id = entry.vector_store_id ?? entry.vector_db_id;
    if (typeof id !== 'string' || !id) throw new ConfigError(`${path}.vector_store_id`, 'a registered vector store needs a vector_store_id');
    if (this.stores.has(id)) return;
    try {
      await this.addStore({
        id,
        name: typeof entry.vector_store_name === 'string' ? entry.vector_store_name : id,
        description: null,
        expiresAfter: null,
        metadata: {},
        providerId: this.chooseProvider(typeof entry.provider_id === 'string' ? entry.provider_id : undefined),
        embeddingModel: typeof entry.embedding_model === 'string' ? entry.embedding_model : undefined,
        requestedDimension: typeof entry.embedding_dimension === 'number' ? entry.embedding_dimension : undefined,
      });
    } catch (error) {
      throw new ConfigError((error as CriaError).param ? `${path}.${(error as CriaError).param}` : path, (error as Error).message, { cause: error });
    }
  }

  private target(record: StoreRecord): EmbeddingTarget {
    return { model: record.embeddingModel, dimension: record.embeddingDimension, sendDimensions: record.sendDimensions };
  }

  private reranker(type: string | null, impactFactor: number | undefined, alpha: number | undefined): ChunkReranker {
    const kind = type === 'rrf' || type === 'weighted' ? type : this.settings.defaultReranker.type;
    return kind === 'weighted' ? { type: 'weighted', alpha: alpha ?? this.settings.weightedAlpha } : { type: 'rrf', impactFactor: impactFactor ?? this.settings.rrfImpactFactor };
  }

  private async rewriteQuery(query: string, context?: Partial<RequestContext>): Promise<string> {
    const rewrite = this.settings.rewriteQuery;
    if (!rewrite) {
      throw new InvalidRequestError('Query rewriting is not available: the distribution sets no vector_stores.rewrite_query_params.model.', { param: 'rewrite_query' });
    }
    const completion = await this.embedder.requireInference().chatCompletion(
      { model: rewrite.model, messages: [{ role: 'user', content: rewrite.prompt.replaceAll('{query}', query) }], max_tokens: rewrite.maxTokens, temperature: rewrite.temperature },
      context ?? {},
    );
    const rewritten = completion.choices[0]?.message.content?.trim();
    if (!rewritten) throw new UpstreamError(rewrite.model, 'The query rewriting model answered with no text.');
    return rewritten;
  }

  private provider(state: StoreState): VectorIOProvider {
    if (state.unavailable) throw new UnavailableError(`Vector store '${state.record.id}' is unavailable: ${state.unavailable}.`);
    return this.providers.get(state.record.providerId)!;
  }

  private storeState(vectorStoreId: string): StoreState {
    const state = this.stores.get(vectorStoreId);
    if (!state) throw storeNotFound(vectorStoreId);
    return state;
  }

  /** A store that can be used now: known, available, and (with `active`) not expired. */
  private requireStore(vectorStoreId: string, options: { active?: boolean; param?: string } = {}): StoreState {
    const state = this.stores.get(vectorStoreId);
    if (!state) throw new NotFoundError('vector store', vectorStoreId, `Vector store '${vectorStoreId}' not found.`, { param: options.param ?? 'vector_store_id' });
    this.provider(state);
    if (options.active && isExpired(state.record)) {
      throw new InvalidRequestError(`Vector store '${vectorStoreId}' has expired.`, { param: 'vector_store_id', code: 'vector_store_expired' });
    }
    return state;
  }

  private async requireFile(vectorStoreId: string, fileId: string): Promise<FileRecord> {
    const file = await this.tables.file(vectorStoreId, fileId);
    if (!file) throw fileNotFound(vectorStoreId, fileId);
    return file;
  }

  private async requireBatch(vectorStoreId: string, batchId: string): Promise<BatchRecord> {
    const batch = await this.tables.batch(vectorStoreId, batchId);
    if (!batch) throw new NotFoundError('file batch', batchId, `File batch '${batchId}' not found in vector store '${vectorStoreId}'.`, { param: 'batch_id' });
    return batch;
  }

  private async batchObject(batch: BatchRecord): Promise<VectorStoreFileBatch> {
    const counts = countStatuses((await this.tables.filesWhere({ vectorStoreId: batch.vectorStoreId, batchId: batch.id })).map((file) => file.status));
    return {
      id: batch.id,
      object: 'vector_store.files_batch',
      created_at: batch.createdAt,
      vector_store_id: batch.vectorStoreId,
      status: batch.cancelled ? 'cancelled' : counts.in_progress > 0 ? 'in_progress' : 'completed',
      file_counts: counts,
    };
  }

  private async fileList(where: { vectorStoreId: string; batchId?: string; status?: VectorStoreFileStatus }, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    const { items, hasMore } = await this.tables.pageFiles(where, { limit: query.limit ?? 20, order: query.order ?? 'desc', after: query.after, before: query.before });
    const data = items.map(fileObject);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  private cursorIndex(stores: readonly StoreState[], id: string, param: 'after' | 'before'): number {
    const index = stores.findIndex((state) => state.record.id === id);
    if (index === -1) throw new InvalidRequestError(`No vector store '${id}' to page ${param}.`, { param });
    return index;
  }

  /** Marks the store used now (its expiry counts from it). */
  private async touch(state: StoreState): Promise<void> {
    const now = nowSeconds();
    if (state.record.lastActiveAt === now || !this.stores.has(state.record.id)) return;
    state.record = { ...state.record, lastActiveAt: now };
    await this.tables.updateStore(state.record);
  }

  private nextSequence(): number {
    this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1000);
    return this.lastSequence;
  }
}

/** The user's part of a store's metadata (Llama Stack's keys are the server's to fill). */
function userMetadata(metadata: VectorStoreMetadata | null | undefined): StoreRecord['metadata'] {
  const own = { ...(metadata ?? {}) };
  for (const key of SYSTEM_METADATA_KEYS) delete own[key];
  return own;
}
