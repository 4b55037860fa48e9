import type {
  CreateResponseRequest,
  DeletedResponse,
  ListResponseInputItemsQuery,
  ListResponsesQuery,
  ResponseInputItemList,
  ResponseObject,
  ResponseObjectList,
  ResponseStreamEvent,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/**
 * What a responses provider implements (Llama Stack's Responses API, `inline::builtin`): it runs
 * the loop (model calls, server-side tools), keeps responses, and streams events. Unknown ids
 * throw NotFoundError (param `response_id`); a request the provider cannot serve throws
 * InvalidRequestError naming the field.
 */
export interface ResponsesProvider {
  /** Runs a response to its end (or, with `background`, starts it and returns it queued). */
  createResponse(request: CreateResponseRequest, context: RequestContext): Promise<ResponseObject>;
  /**
   * Runs a response as events, `sequence_number` from 0: response.created first, then
   * response.completed, response.incomplete or response.failed last. Request errors found before
   * the first event are thrown (a 4xx); faults after it end the stream with response.failed.
   */
  streamResponse(request: CreateResponseRequest, context: RequestContext): Promise<AsyncIterable<ResponseStreamEvent>>;
  getResponse(responseId: string): Promise<ResponseObject>;
  listResponses(query: ListResponsesQuery): Promise<ResponseObjectList>;
  deleteResponse(responseId: string): Promise<DeletedResponse>;
  listInputItems(responseId: string, query: ListResponseInputItemsQuery): Promise<ResponseInputItemList>;
  /** Cancels a background response that is queued or in progress (ConflictError otherwise). */
  cancelResponse(responseId: string): Promise<ResponseObject>;
}

/** The responses API's router: the one enabled provider's methods. */
export type ResponsesApi = ResponsesProvider;
