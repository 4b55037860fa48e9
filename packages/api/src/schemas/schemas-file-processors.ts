import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * File processors: Llama Stack 0.7.1's experimental POST /v1alpha/file-processors/process. A file
 * (uploaded in the form, or named by `file_id`) becomes text cut into chunks ready for a vector
 * store. The form's `chunking_strategy` and `options` arrive as JSON strings.
 */

const fileProcessorsProcessForm = object(
  {
    file_id: nullable({ type: 'string', minLength: 1, description: 'A file of the files API to process; mutually exclusive with the `file` part.' }),
    options: nullable({ type: 'string', description: 'Provider-specific options, a JSON object.' }),
    chunking_strategy: nullable({ type: 'string', description: 'A JSON chunking strategy: `{"type": "auto"}` or `{"type": "static", "static": {...}}`; absent: the whole text as one chunk.' }),
  },
  {
    additionalProperties: false,
    title: 'FileProcessorsProcessForm',
    description: 'POST /v1alpha/file-processors/process (multipart/form-data): the form fields besides the optional `file` part (Body_process_file_v1alpha_file_processors_process_post).',
  },
);

const processedFileChunk = object(
  {
    content: { type: 'string', description: 'The chunk\'s text.' },
    chunk_id: { type: 'string' },
    metadata: { type: 'object', additionalProperties: true, description: 'document_id, filename, file_id (when processed from the files API), token_count, metadata_token_count, chunk_tokenizer.' },
    chunk_metadata: ref('ChunkMetadata'),
  },
  { required: ['content', 'chunk_id', 'metadata', 'chunk_metadata'], title: 'ProcessedFileChunk', description: 'A chunk of a processed file (Llama Stack\'s Chunk).' },
);

const processFileResponse = object(
  {
    chunks: { type: 'array', items: ref('ProcessedFileChunk'), description: 'The file\'s text in chunks; empty when it has no text.' },
    metadata: { type: 'object', additionalProperties: true, description: 'The run: processor, processing_time_ms, extraction_method, file_size_bytes, page_count and the PDF\'s metadata.' },
  },
  { required: ['chunks', 'metadata'], title: 'ProcessFileResponse', description: 'POST /v1alpha/file-processors/process.' },
);

export const fileProcessorsSchemas: Record<string, JsonSchema> = {
  FileProcessorsProcessForm: fileProcessorsProcessForm,
  ProcessedFileChunk: processedFileChunk,
  ProcessFileResponse: processFileResponse,
};
