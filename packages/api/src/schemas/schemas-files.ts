import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Files: OpenAI's Files API (spec 2.3.0) as Llama Stack 0.7.1 serves it at /v1/files. Uploads are
 * multipart; their form fields are validated against `FileUploadForm` (the file part itself is
 * streamed to the provider).
 */

const text: JsonSchema = { type: 'string' };

const filePurpose: JsonSchema = {
  type: 'string',
  enum: ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals', 'batch_output'],
  title: 'FilePurpose',
  description: 'What the file is for (OpenAI\'s upload purposes; Llama Stack knows `assistants` and `batch`); `batch_output` marks the files a batch writes, which clients cannot upload.',
};

const fileExpiresAfter = object(
  {
    anchor: { type: 'string', enum: ['created_at'], description: 'The time the expiry counts from; only `created_at`.' },
    seconds: { type: 'integer', minimum: 3600, maximum: 2_592_000, description: 'Seconds after the anchor, from 3600 (1 hour) to 2592000 (30 days).' },
  },
  { required: ['anchor', 'seconds'], additionalProperties: false, title: 'FileExpiresAfter' },
);

const fileUploadForm = object(
  {
    purpose: { type: 'string', enum: ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'], description: 'What the file is for (the purposes clients may upload).' },
    expires_after: ref('FileExpiresAfter'),
  },
  {
    required: ['purpose'],
    additionalProperties: false,
    title: 'FileUploadForm',
    description: 'POST /v1/files (multipart/form-data): the form fields besides the `file` part. `expires_after[anchor]` and `expires_after[seconds]` arrive as bracketed fields.',
  },
);

const openAIFile = object(
  {
    id: { type: 'string', description: 'The file identifier, `file-<hex>`.' },
    object: { type: 'string', const: 'file' },
    bytes: { type: 'integer', description: 'The size of the file, in bytes.' },
    created_at: { type: 'integer', description: 'Unix time (seconds) of the upload.' },
    expires_at: { type: 'integer', description: 'Unix time (seconds) the file expires; absent when it does not (as OpenAI).' },
    filename: text,
    purpose: ref('FilePurpose'),
    status: { type: 'string', enum: ['uploaded', 'processed', 'error'], deprecated: true, description: 'Always `processed`: the bytes are stored when the upload answers.' },
    status_details: { type: 'string', deprecated: true, description: 'Why processing failed; absent otherwise.' },
  },
  { required: ['id', 'object', 'bytes', 'created_at', 'filename', 'purpose', 'status'], title: 'OpenAIFile', description: 'An uploaded file.' },
);

const fileList = object(
  {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('OpenAIFile') },
    first_id: { type: 'string', description: 'The first file\'s id; empty when there is none (as Llama Stack answers).' },
    last_id: { type: 'string', description: 'The last file\'s id (the cursor for `after`); empty when there is none.' },
    has_more: { type: 'boolean' },
  },
  { required: ['object', 'data', 'first_id', 'last_id', 'has_more'], title: 'FileList', description: 'GET /v1/files.' },
);

const listFilesQuery = object(
  {
    after: { type: 'string', description: 'The id of the last file of the previous page.' },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 10_000 },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc', description: 'By created_at.' },
    purpose: ref('FilePurpose'),
  },
  { title: 'ListFilesQuery', additionalProperties: false },
);

const fileDeleted = object(
  { id: text, object: { type: 'string', const: 'file' }, deleted: { type: 'boolean' } },
  { required: ['id', 'object', 'deleted'], title: 'FileDeleted', description: 'DELETE /v1/files/{file_id}.' },
);

export const filesSchemas: Record<string, JsonSchema> = {
  FileBytes: { type: 'string', format: 'binary', description: 'GET /v1/files/{file_id}/content: the file\'s bytes, as uploaded.' },
  FilePurpose: filePurpose,
  FileExpiresAfter: fileExpiresAfter,
  FileUploadForm: fileUploadForm,
  OpenAIFile: openAIFile,
  FileList: fileList,
  ListFilesQuery: listFilesQuery,
  FileDeleted: fileDeleted,
};
