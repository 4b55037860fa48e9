import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * OpenAI's Batches API (spec 2.3.0) as Llama Stack 0.7.1 serves it: POST/GET /v1/batches,
 * GET /v1/batches/{batch_id}, POST /v1/batches/{batch_id}/cancel. Timestamps and file ids a batch
 * has not reached are left out (OpenAI's schema has no null for them).
 */

const text: JsonSchema = { type: 'string' };
const seconds: JsonSchema = { type: 'integer', description: 'Unix time, in seconds.' };

const batchEndpoint: JsonSchema = {
  type: 'string',
  enum: ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses'],
  title: 'BatchEndpoint',
  description: 'The route every line of the batch calls.',
};

const batchMetadata: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 512 },
  propertyNames: { maxLength: 64 },
  maxProperties: 16,
  title: 'BatchMetadata',
  description: 'Up to 16 string pairs (keys up to 64 characters, values up to 512), as OpenAI\'s Metadata.',
};

const batchError = object(
  {
    code: { type: 'string', description: 'What is wrong: `invalid_json_line`, `missing_required_parameter`, `duplicate_custom_id`, `invalid_url`, `model_not_found`, `empty_file`, ...' },
    message: text,
    param: nullable({ type: 'string', description: 'The field at fault (`custom_id`, `body.model`, ...), if one is.' }),
    line: nullable({ type: 'integer', description: 'The line of the input file (from 1), if the error is on one.' }),
  },
  { required: ['code', 'message'], title: 'BatchError', description: 'One reason a batch failed.' },
);

const batchErrors = object(
  { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: ref('BatchError') } },
  { required: ['object', 'data'], title: 'BatchErrors' },
);

const batchRequestCounts = object(
  {
    total: { type: 'integer', description: 'The requests (lines) of the batch.' },
    completed: { type: 'integer', description: 'Requests that answered successfully.' },
    failed: { type: 'integer', description: 'Requests that answered with an error.' },
  },
  { required: ['total', 'completed', 'failed'], title: 'BatchRequestCounts' },
);

const batch = object(
  {
    id: { type: 'string', description: '`batch_` and 16 hex digits.' },
    object: { type: 'string', enum: ['batch'] },
    endpoint: text,
    errors: ref('BatchErrors'),
    input_file_id: text,
    completion_window: text,
    status: { type: 'string', enum: ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] },
    output_file_id: { type: 'string', description: 'The file (purpose `batch_output`) of the lines that succeeded; absent while there is none.' },
    error_file_id: { type: 'string', description: 'The file (purpose `batch_output`) of the lines that failed; absent when none failed.' },
    created_at: seconds,
    in_progress_at: seconds,
    expires_at: seconds,
    finalizing_at: seconds,
    completed_at: seconds,
    failed_at: seconds,
    expired_at: seconds,
    cancelling_at: seconds,
    cancelled_at: seconds,
    request_counts: ref('BatchRequestCounts'),
    metadata: nullable(ref('BatchMetadata')),
  },
  { required: ['id', 'object', 'endpoint', 'input_file_id', 'completion_window', 'status', 'created_at'], title: 'Batch', description: 'A batch of requests run in the background.' },
);

const createBatchRequest = object(
  {
    input_file_id: { type: 'string', minLength: 1, description: 'A JSONL file uploaded with purpose `batch`: one `{custom_id, method, url, body}` a line.' },
    endpoint: ref('BatchEndpoint'),
    completion_window: { type: 'string', enum: ['24h'], description: 'The time the batch has to finish; only `24h`.' },
    metadata: nullable(ref('BatchMetadata')),
    idempotency_key: nullable({ type: 'string', minLength: 1, description: 'Llama Stack\'s: the same key answers the batch it made before (a 409 when the other fields differ).' }),
  },
  { required: ['input_file_id', 'endpoint', 'completion_window'], additionalProperties: false, title: 'CreateBatchRequest' },
);

const listBatchesQuery = object(
  {
    after: { type: 'string', description: 'The id of the last batch of the previous page.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
  { title: 'ListBatchesQuery', additionalProperties: false },
);

const listBatchesResponse = object(
  {
    object: { type: 'string', enum: ['list'] },
    data: { type: 'array', items: ref('Batch') },
    first_id: { type: 'string', description: 'Absent when the page is empty.' },
    last_id: { type: 'string', description: 'The cursor for `after`; absent when the page is empty.' },
    has_more: { type: 'boolean' },
  },
  { required: ['object', 'data', 'has_more'], title: 'ListBatchesResponse', description: 'Batches, newest first.' },
);

export const batchesSchemas: Record<string, JsonSchema> = {
  BatchEndpoint: batchEndpoint,
  BatchMetadata: batchMetadata,
  BatchError: batchError,
  BatchErrors: batchErrors,
  BatchRequestCounts: batchRequestCounts,
  Batch: batch,
  CreateBatchRequest: createBatchRequest,
  ListBatchesQuery: listBatchesQuery,
  ListBatchesResponse: listBatchesResponse,
};
