import {
  type CreateVectorStoreFileRequest,
  type FilesApi,
  InvalidRequestError,
  type ListVectorStoreFilesQuery,
  NotFoundError,
  type OpenAIFile,
  type RequestContext,
  type StaticChunkingStrategy,
  type TraceContext,
  type UpdateVectorStoreFileRequest,
  type VectorStoreFile,
  type VectorStoreFileAttributes,
  type VectorStoreFileContent,
  type VectorStoreFileContentQuery,
  type VectorStoreFileDeleted,
  type VectorStoreFileList,
  type VectorStoreFileStatus,
} from '@cria/api';
import { traceCarrier } from '@cria/provider-utils';
import type { VectorIOIngestion } from './vector-io-ingestion.js';
import type { StoreState, VectorStoreCatalog } from './vector-stores-catalog.js';
import { fileLockKey, type IngestionQueue, type KeyedLock } from './vector-stores-ingestion.js';
import { fileChunkMetadata, fileObject, nowSeconds, staticChunkingStrategy } from './vector-stores-objects.js';
import type { FileRecord, VectorStoresTables } from './vector-stores-tables.js';

/** A file to attach, with what it is attached with. */
export interface Attachment {
  file: OpenAIFile;
  attributes: VectorStoreFileAttributes | null;
  chunkingStrategy: StaticChunkingStrategy;
}

/** A file a request names for attaching, before it is looked up in the files API. */
export interface AttachmentRequest {
  fileId: string;
  /** Where the request names it, for errors. */
  param: string;
  attributes: VectorStoreFileAttributes | null;
  chunkingStrategy: StaticChunkingStrategy;
}

export interface VectorStoreFilesOptions {
  catalog: VectorStoreCatalog;
  tables: VectorStoresTables;
  /** The files API, to check the files to attach. */
  files: FilesApi | null;
  ingestion: VectorIOIngestion;
  queue: IngestionQueue;
  locks: KeyedLock;
}

function fileNotFound(vectorStoreId: string, fileId: string): NotFoundError {
  return new NotFoundError('vector store file', fileId, `File '${fileId}' is not attached to vector store '${vectorStoreId}'.`, { param: 'file_id' });
}

/**
 * The files attached to vector stores: attaching (recorded `in_progress`, ingested in the
 * background), listing, attribute updates that reach the chunks, removal with the chunks, and a
 * file's content rebuilt from its chunks.
 */
export class VectorStoreFiles {
  private readonly catalog: VectorStoreCatalog;
  private readonly tables: VectorStoresTables;
  private readonly files: FilesApi | null;
  private readonly ingestion: VectorIOIngestion;
  private readonly queue: IngestionQueue;
  private readonly locks: KeyedLock;

  constructor(options: VectorStoreFilesOptions) {
    this.catalog = options.catalog;
    this.tables = options.tables;
    this.files = options.files;
    this.ingestion = options.ingestion;
    this.queue = options.queue;
    this.locks = options.locks;
  }

  async attachFile(vectorStoreId: string, request: CreateVectorStoreFileRequest, context?: Partial<RequestContext>): Promise<VectorStoreFile> {
    const state = this.catalog.require(vectorStoreId, { active: true });
    const chunkingStrategy = staticChunkingStrategy(request.chunking_strategy, 'chunking_strategy');
    const [attachment] = await this.uploadedFiles([{ fileId: request.file_id, param: 'file_id', attributes: request.attributes ?? null, chunkingStrategy }]);
    const record = await this.locks.run(fileLockKey(vectorStoreId, request.file_id), async () => {
      // Attaching a file twice answers with the attachment there is (as Llama Stack does).
      const existing = await this.tables.file(vectorStoreId, request.file_id);
      return existing ?? this.attach(state, attachment!, null, context?.traceContext);
    });
    await this.catalog.touch(state);
    return fileObject(record);
  }

  async listFiles(vectorStoreId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    this.catalog.state(vectorStoreId);
    return this.fileList({ vectorStoreId, ...(query.filter ? { status: query.filter } : {}) }, query);
  }

  async retrieveFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFile> {
    this.catalog.state(vectorStoreId);
    return fileObject(await this.requireFile(vectorStoreId, fileId));
  }

  async updateFile(vectorStoreId: string, fileId: string, request: UpdateVectorStoreFileRequest): Promise<VectorStoreFile> {
    const state = this.catalog.state(vectorStoreId);
    await this.requireFile(vectorStoreId, fileId);
    return this.locks.run(fileLockKey(vectorStoreId, fileId), async () => {
      const current = await this.requireFile(vectorStoreId, fileId);
      const updated: FileRecord = { ...current, attributes: request.attributes ?? null };
      // The chunks carry the attributes searches filter on. A file still being ingested gets
      // the latest attributes when its chunks are inserted (under this lock).
      if (current.status === 'completed') {
        await this.catalog.provider(state).updateChunkMetadata(state.resource.provider_resource_id, { fileId }, fileChunkMetadata(updated.attributes, fileId, current.filename));
      }
      await this.tables.updateFile(updated);
      return fileObject(updated);
    });
  }

  async deleteFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFileDeleted> {
    const state = this.catalog.state(vectorStoreId);
    await this.requireFile(vectorStoreId, fileId);
    await this.queue.cancel(vectorStoreId, fileId);
    await this.locks.run(fileLockKey(vectorStoreId, fileId), async () => {
      const current = await this.tables.file(vectorStoreId, fileId);
      if (current) await this.detach(state, current);
    });
    return { id: fileId, object: 'vector_store.file.deleted', deleted: true };
  }

  async retrieveFileContent(vectorStoreId: string, fileId: string, query: VectorStoreFileContentQuery): Promise<VectorStoreFileContent> {
    const state = this.catalog.state(vectorStoreId);
    await this.requireFile(vectorStoreId, fileId);
    // The chunks in the order they were cut from the file, so their texts rebuild it.
    const chunks = await this.catalog.provider(state).listChunks(state.resource.provider_resource_id, { fileId }, { includeEmbeddings: query.include_embeddings === true });
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

  /** Records an attachment (`in_progress`) and queues its ingestion (traced in `traceContext`, the attaching request's, if given). */
  async attach(state: StoreState, attachment: Attachment, batchId: string | null, traceContext?: TraceContext): Promise<FileRecord> {
    const record: FileRecord = {
      vectorStoreId: state.record.id,
      fileId: attachment.file.id,
      createdAt: nowSeconds(),
      sequence: this.catalog.nextSequence(),
      status: 'in_progress',
      lastError: null,
      attributes: attachment.attributes,
      chunkingStrategy: attachment.chunkingStrategy,
      usageBytes: 0,
      filename: attachment.file.filename,
      batchId,
      traceCarrier: traceCarrier(traceContext) ?? null,
    };
    await this.tables.insertFile(record);
    this.catalog.countFile(state, record);
    this.queue.enqueue({ vectorStoreId: record.vectorStoreId, fileId: record.fileId, traceContext });
    return record;
  }

  /** Removes an attachment and its chunks (its ingestion already stopped). */
  async detach(state: StoreState, file: FileRecord): Promise<void> {
    await this.ingestion.removeFileChunks(state, file.fileId);
    await this.tables.deleteFile(file.vectorStoreId, file.fileId);
    this.catalog.uncountFile(state, file);
  }

  /** The files to attach, checked to exist in the files API. */
  async uploadedFiles(entries: readonly AttachmentRequest[]): Promise<Attachment[]> {
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

  /** A page of a store's files (of one batch, of one status). */
  async fileList(where: { vectorStoreId: string; batchId?: string; status?: VectorStoreFileStatus }, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    const { items, hasMore } = await this.tables.pageFiles(where, { limit: query.limit ?? 20, order: query.order ?? 'desc', after: query.after, before: query.before });
    const data = items.map(fileObject);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  private async requireFile(vectorStoreId: string, fileId: string): Promise<FileRecord> {
    const file = await this.tables.file(vectorStoreId, fileId);
    if (!file) throw fileNotFound(vectorStoreId, fileId);
    return file;
  }
}
