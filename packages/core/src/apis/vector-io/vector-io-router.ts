import { randomUUID } from 'node:crypto';
import {
  type CreateVectorStoreFileBatchRequest,
  type CreateVectorStoreFileRequest,
  type CreateVectorStoreRequest,
  type FileProcessorsApi,
  type FilesApi,
  type InferenceApi,
  type InsertChunksRequest,
  InvalidRequestError,
  type ListVectorStoreFilesQuery,
  type ListVectorStoresQuery,
  type ModelsApi,
  type ProviderLogger,
  type QueryChunksRequest,
  type QueryChunksResponse,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  type UpdateVectorStoreFileRequest,
  type UpdateVectorStoreRequest,
  type VectorIOApi,
  type VectorIOProvider,
  type VectorStore,
  type VectorStoreDeleted,
  type VectorStoreFile,
  type VectorStoreFileBatch,
  type VectorStoreFileContent,
  type VectorStoreFileContentQuery,
  type VectorStoreFileDeleted,
  type VectorStoreFileList,
  type VectorStoreList,
  type VectorStoreSearchRequest,
  type VectorStoreSearchResultsPage,
} from '@cria/api';
import { traceContextFromCarrier } from '@cria/provider-utils';
import { ChunkEmbedder } from './vector-io-embedder.js';
import { VectorIOIngestion } from './vector-io-ingestion.js';
import { VectorIOSearch } from './vector-io-search.js';
import { type StoreState, VectorStoreCatalog } from './vector-stores-catalog.js';
import { VectorStoreFileBatches } from './vector-stores-file-batches.js';
import { VectorStoreFiles } from './vector-stores-files.js';
import { IngestionQueue, KeyedLock } from './vector-stores-ingestion.js';
import { nowSeconds, staticChunkingStrategy, storeObject, userMetadata } from './vector-stores-objects.js';
import { StorePlacement } from './vector-stores-placement.js';
import type { VectorStoresSettings } from './vector-stores-settings.js';
import { startVectorStores } from './vector-stores-startup.js';
import type { StoreRecord, VectorStoresTables } from './vector-stores-tables.js';

export interface VectorIOProviderHandle {
  providerId: string;
  impl: VectorIOProvider;
}

export interface VectorIORouterOptions {
  providers: readonly VectorIOProviderHandle[];
  tables: VectorStoresTables;
  /** The files API, to read attached files. */
  files: FilesApi | null;
  /** The file processors API: when served, attached files are turned into chunks through it. */
  fileProcessors?: FileProcessorsApi | null;
  /** The inference API, to embed. */
  inference: InferenceApi | null;
  /** The models API, to check embedding models. */
  models: ModelsApi | null;
  /** The one registry: every vector store is a `vector_store` resource of it. */
  registry: ResourceRegistry;
  settings: VectorStoresSettings;
  logger: ProviderLogger;
  /** The distribution's registered vector stores. */
  registered?: readonly Record<string, unknown>[];
}

function wireForm(state: StoreState): VectorStore {
  return storeObject(state.record, state.resource, state.counts, state.usageBytes);
}

/**
 * The vector_io API: Llama Stack's chunk insert and query routed to the provider that holds the
 * store, and OpenAI's vector stores (stores, attached files, file batches, search) with their
 * ingestion. Each store is a `vector_store` resource of the one registry (provider, embedding
 * model, whether it is usable now); its OpenAI-level fields, files and batches are rows of SQL
 * tables; chunks live only at the providers, which give back a file's content, embeddings and
 * attribute updates. The jobs are its collaborators': the catalog of stores, search, ingestion,
 * attached files and file batches.
 */
export class VectorIORouter implements VectorIOApi, RouterLifecycle {
  private readonly providers: ReadonlyMap<string, VectorIOProvider>;
  private readonly tables: VectorStoresTables;
  private readonly registry: ResourceRegistry;
  private readonly registered: readonly Record<string, unknown>[];
  private readonly logger: ProviderLogger;
  private readonly catalog: VectorStoreCatalog;
  private readonly placement: StorePlacement;
  private readonly queue: IngestionQueue;
  private readonly search: VectorIOSearch;
  private readonly ingestion: VectorIOIngestion;
  private readonly attachments: VectorStoreFiles;
  private readonly batches: VectorStoreFileBatches;

  /** Files waiting for ingestion, and files being ingested. */
  get ingestionDepth(): { queued: number; running: number } {
    return this.queue.depth;
  }

  constructor(options: VectorIORouterOptions) {
    this.providers = new Map(options.providers.map(({ providerId, impl }) => [providerId, impl]));
    this.tables = options.tables;
    this.registry = options.registry;
    this.registered = options.registered ?? [];
    this.logger = options.logger;
    const embedder = new ChunkEmbedder(options.inference, options.logger);
    const locks = new KeyedLock();
    this.catalog = new VectorStoreCatalog(this.providers, options.registry, options.tables, options.logger);
    this.placement = new StorePlacement([...this.providers.keys()], options.models, embedder, options.settings);
    this.search = new VectorIOSearch(this.catalog, options.tables, embedder, options.settings);
    this.ingestion = new VectorIOIngestion({ catalog: this.catalog, tables: options.tables, files: options.files, fileProcessors: options.fileProcessors ?? null, embedder, locks, logger: options.logger });
    this.queue = new IngestionQueue(options.settings.maxConcurrentFiles, (task, signal) => this.ingestion.ingestFile(task, signal), options.logger);
    const fileOptions = { catalog: this.catalog, tables: options.tables, ingestion: this.ingestion, queue: this.queue, locks };
    this.attachments = new VectorStoreFiles({ ...fileOptions, files: options.files });
    this.batches = new VectorStoreFileBatches({ ...fileOptions, attachments: this.attachments });
  }

  /**
   * Loads the stores (registering in the registry those it lacks) and reopens them at their
   * providers, recounts their files, creates the distribution's registered stores, and resumes
   * the ingestion a stop interrupted.
   */
  async start(): Promise<void> {
    const interrupted = await startVectorStores({
      catalog: this.catalog,
      tables: this.tables,
      registry: this.registry,
      providers: this.providers,
      placement: this.placement,
      logger: this.logger,
      registered: this.registered,
    });
    for (const file of interrupted) {
      this.logger.info('resuming the ingestion of a file', { vector_store_id: file.vectorStoreId, file_id: file.fileId });
      // In the trace of the request that attached it, when that one was traced and tracing is on now.
      this.queue.enqueue({ vectorStoreId: file.vectorStoreId, fileId: file.fileId, traceContext: traceContextFromCarrier(file.traceCarrier ?? undefined) });
    }
  }

  /** Resolves when no file is being ingested or waiting to be. */
  whenIngested(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops ingestion; the files it interrupts stay `in_progress` and are resumed at the next start. */
  async close(): Promise<void> {
    await this.queue.close();
    await this.ingestion.close();
  }

  // Llama Stack's vector IO

  insertChunks(request: InsertChunksRequest, context?: Partial<RequestContext>): Promise<void> {
    return this.ingestion.insertChunks(request, context);
  }

  queryChunks(request: QueryChunksRequest, context?: Partial<RequestContext>): Promise<QueryChunksResponse> {
    return this.search.queryChunks(request, context);
  }

  // OpenAI's vector stores

  async createVectorStore(request: CreateVectorStoreRequest, context?: Partial<RequestContext>): Promise<VectorStore> {
    const metadata = request.metadata ?? {};
    const providerId = this.placement.chooseProvider(request.provider_id ?? (typeof metadata.provider_id === 'string' ? metadata.provider_id : undefined));
    const embeddingModel = request.embedding_model ?? (typeof metadata.embedding_model === 'string' ? metadata.embedding_model : undefined);
    const requestedDimension = request.embedding_dimension ?? (metadata.embedding_dimension !== undefined ? Number(metadata.embedding_dimension) : undefined);
    const chunkingStrategy = staticChunkingStrategy(request.chunking_strategy, 'chunking_strategy');
    const attachments = await this.attachments.uploadedFiles((request.file_ids ?? []).map((fileId, index) => ({ fileId, param: `file_ids[${index}]`, attributes: null, chunkingStrategy })));
    const embedding = await this.placement.embedding(embeddingModel, requestedDimension);
    const state = await this.catalog.add({
      id: `vs_${randomUUID()}`,
      name: request.name ?? null,
      description: request.description ?? null,
      expiresAfter: request.expires_after ?? null,
      metadata: userMetadata(request.metadata),
      routing: { providerId, embeddingModel: embedding.embeddingModel, embeddingDimension: embedding.embeddingDimension },
      sendDimensions: embedding.sendDimensions,
      source: 'via_register_api',
    });
    for (const attachment of attachments) await this.attachments.attach(state, attachment, null, context?.traceContext);
    return wireForm(state);
  }

  async listVectorStores(query: ListVectorStoresQuery): Promise<VectorStoreList> {
    return this.catalog.page(query);
  }

  async retrieveVectorStore(vectorStoreId: string): Promise<VectorStore> {
    return wireForm(this.catalog.state(vectorStoreId));
  }

  async updateVectorStore(vectorStoreId: string, request: UpdateVectorStoreRequest): Promise<VectorStore> {
    const state = this.catalog.state(vectorStoreId);
    const providerId = request.metadata?.provider_id;
    if (providerId !== undefined && providerId !== state.resource.provider_id) {
      throw new InvalidRequestError('provider_id cannot be changed after vector store creation.', { param: 'metadata.provider_id' });
    }
    const record: StoreRecord = {
      ...state.record,
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.expires_after !== undefined ? { expiresAfter: request.expires_after } : {}),
      ...(request.metadata !== undefined ? { metadata: userMetadata(request.metadata) } : {}),
      lastActiveAt: nowSeconds(),
    };
    await this.catalog.update(state, record);
    return wireForm(state);
  }

  async deleteVectorStore(vectorStoreId: string): Promise<VectorStoreDeleted> {
    const state = this.catalog.state(vectorStoreId);
    this.catalog.forget(vectorStoreId);
    await this.queue.cancelStore(vectorStoreId);
    await this.catalog.remove(state);
    return { id: vectorStoreId, object: 'vector_store.deleted', deleted: true };
  }

  searchVectorStore(vectorStoreId: string, request: VectorStoreSearchRequest, context?: Partial<RequestContext>): Promise<VectorStoreSearchResultsPage> {
    return this.search.searchVectorStore(vectorStoreId, request, context);
  }

  // Files of a store

  attachFile(vectorStoreId: string, request: CreateVectorStoreFileRequest, context?: Partial<RequestContext>): Promise<VectorStoreFile> {
    return this.attachments.attachFile(vectorStoreId, request, context);
  }

  listFiles(vectorStoreId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    return this.attachments.listFiles(vectorStoreId, query);
  }

  retrieveFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFile> {
    return this.attachments.retrieveFile(vectorStoreId, fileId);
  }

  updateFile(vectorStoreId: string, fileId: string, request: UpdateVectorStoreFileRequest): Promise<VectorStoreFile> {
    return this.attachments.updateFile(vectorStoreId, fileId, request);
  }

  deleteFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFileDeleted> {
    return this.attachments.deleteFile(vectorStoreId, fileId);
  }

  retrieveFileContent(vectorStoreId: string, fileId: string, query: VectorStoreFileContentQuery): Promise<VectorStoreFileContent> {
    return this.attachments.retrieveFileContent(vectorStoreId, fileId, query);
  }

  // File batches

  createFileBatch(vectorStoreId: string, request: CreateVectorStoreFileBatchRequest, context?: Partial<RequestContext>): Promise<VectorStoreFileBatch> {
    return this.batches.createFileBatch(vectorStoreId, request, context);
  }

  retrieveFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch> {
    return this.batches.retrieveFileBatch(vectorStoreId, batchId);
  }

  cancelFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch> {
    return this.batches.cancelFileBatch(vectorStoreId, batchId);
  }

  listFileBatchFiles(vectorStoreId: string, batchId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    return this.batches.listFileBatchFiles(vectorStoreId, batchId, query);
  }
}
