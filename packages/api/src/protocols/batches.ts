import type { Batch, CreateBatchRequest, ListBatchesQuery, ListBatchesResponse } from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/**
 * What a batches provider implements (Llama Stack's Batches, `inline::reference`): it keeps
 * batches, runs their lines in the background through the server's own routers, and writes the
 * output and error files to the files API. Unknown ids throw NotFoundError (param `batch_id`);
 * cancelling a batch that has ended throws ConflictError.
 */
export interface BatchesProvider {
  /** Creates a batch (status `validating`) and starts it in the background. */
  createBatch(request: CreateBatchRequest, context: RequestContext): Promise<Batch>;
  retrieveBatch(batchId: string): Promise<Batch>;
  /** Newest first. */
  listBatches(query: ListBatchesQuery): Promise<ListBatchesResponse>;
  /** Moves a batch to `cancelling`; it becomes `cancelled`, with the results it has, once its lines in flight have stopped. A batch that is finalizing or has ended throws ConflictError. */
  cancelBatch(batchId: string): Promise<Batch>;
}

/** The batches API's router: the one enabled provider's methods. */
export type BatchesApi = BatchesProvider;
