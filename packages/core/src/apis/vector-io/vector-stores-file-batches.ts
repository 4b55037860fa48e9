import { randomUUID } from 'node:crypto';
import {
  type CreateVectorStoreFileBatchRequest,
  InvalidRequestError,
  type ListVectorStoreFilesQuery,
  NotFoundError,
  type RequestContext,
  type VectorStoreFileBatch,
  type VectorStoreFileList,
} from '@cria/api';
import type { VectorIOIngestion } from './vector-io-ingestion.js';
import type { VectorStoreCatalog } from './vector-stores-catalog.js';
import type { AttachmentRequest, VectorStoreFiles } from './vector-stores-files.js';
import { fileLockKey, type IngestionQueue, type KeyedLock } from './vector-stores-ingestion.js';
import { countStatuses, nowSeconds, staticChunkingStrategy } from './vector-stores-objects.js';
import type { BatchRecord, VectorStoresTables } from './vector-stores-tables.js';

export interface VectorStoreFileBatchesOptions {
  catalog: VectorStoreCatalog;
  tables: VectorStoresTables;
  attachments: VectorStoreFiles;
  ingestion: VectorIOIngestion;
  queue: IngestionQueue;
  locks: KeyedLock;
}

/**
 * OpenAI's file batches: many files attached at once (a file the store has already is ingested
 * again as part of the batch), their counts, and cancelling the files not done yet.
 */
export class VectorStoreFileBatches {
  private readonly catalog: VectorStoreCatalog;
  private readonly tables: VectorStoresTables;
  private readonly attachments: VectorStoreFiles;
  private readonly ingestion: VectorIOIngestion;
  private readonly queue: IngestionQueue;
  private readonly locks: KeyedLock;

  constructor(options: VectorStoreFileBatchesOptions) {
    this.catalog = options.catalog;
    this.tables = options.tables;
    this.attachments = options.attachments;
    this.ingestion = options.ingestion;
    this.queue = options.queue;
    this.locks = options.locks;
  }

  async createFileBatch(vectorStoreId: string, request: CreateVectorStoreFileBatchRequest, context?: Partial<RequestContext>): Promise<VectorStoreFileBatch> {
    const state = this.catalog.require(vectorStoreId, { active: true });
    if (request.file_ids && request.files) throw new InvalidRequestError('Give file_ids or files, not both.', { param: 'files' });
    if (!request.file_ids && !request.files) throw new InvalidRequestError("Missing required parameter: 'file_ids'.", { param: 'file_ids' });
    const entries: AttachmentRequest[] = request.files
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
    const attachments = await this.attachments.uploadedFiles(unique);
    const batch: BatchRecord = { id: `batch_${randomUUID()}`, vectorStoreId, createdAt: nowSeconds(), cancelled: false, sequence: this.catalog.nextSequence() };
    await this.tables.insertBatch(batch);
    for (const attachment of attachments) {
      // A file the store has already is processed again as part of the batch.
      await this.queue.cancel(vectorStoreId, attachment.file.id);
      await this.locks.run(fileLockKey(vectorStoreId, attachment.file.id), async () => {
        const existing = await this.tables.file(vectorStoreId, attachment.file.id);
        if (existing) await this.attachments.detach(state, existing);
        await this.attachments.attach(state, attachment, batch.id, context?.traceContext);
      });
    }
    await this.catalog.touch(state);
    return this.batchObject(batch);
  }

  async retrieveFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch> {
    this.catalog.state(vectorStoreId);
    return this.batchObject(await this.requireBatch(vectorStoreId, batchId));
  }

  async cancelFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch> {
    const state = this.catalog.state(vectorStoreId);
    const batch = await this.requireBatch(vectorStoreId, batchId);
    const current = await this.batchObject(batch);
    if (current.status !== 'in_progress') {
      throw new InvalidRequestError(`Cannot cancel file batch '${batchId}': it is ${current.status}.`, { param: 'batch_id', code: 'batch_not_in_progress' });
    }
    await this.tables.markBatchCancelled(batchId);
    for (const file of await this.tables.filesWhere({ vectorStoreId, batchId, status: 'in_progress' })) {
      await this.queue.cancel(vectorStoreId, file.fileId);
      await this.locks.run(fileLockKey(vectorStoreId, file.fileId), async () => {
        const latest = await this.tables.file(vectorStoreId, file.fileId);
        if (latest?.status !== 'in_progress' || latest.batchId !== batchId) return;
        await this.ingestion.removeFileChunks(state, file.fileId);
        await this.ingestion.transition(latest, 'cancelled', {});
      });
    }
    return this.batchObject({ ...batch, cancelled: true });
  }

  async listFileBatchFiles(vectorStoreId: string, batchId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList> {
    this.catalog.state(vectorStoreId);
    await this.requireBatch(vectorStoreId, batchId);
    return this.attachments.fileList({ vectorStoreId, batchId, ...(query.filter ? { status: query.filter } : {}) }, query);
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
}
