import type { JsonSchema } from '@cria/api';

/** `inline::localfs` settings: Llama Stack's keys, plus a size limit. */
export interface LocalfsFilesConfig {
  /** Where the bytes live; `~` and paths relative to the distribution file are resolved. */
  storage_dir: string;
  /** The SQL table of file metadata (Llama Stack's SqlStoreReference). */
  metadata_store: { backend: string; table_name?: string | null };
  /** Seconds a file lives when its upload sets no `expires_after`; null: until deleted. */
  ttl_secs: number | null;
  /** The largest upload accepted; larger ones answer 413 and leave nothing behind. */
  max_file_size_bytes: number;
}

/** OpenAI's own per-file limit. */
export const DEFAULT_MAX_FILE_SIZE_BYTES = 512 * 1024 * 1024;

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    storage_dir: { type: 'string', minLength: 1, description: 'Directory of the uploaded bytes.' },
    metadata_store: {
      type: 'object',
      properties: {
        backend: { type: 'string', minLength: 1, description: 'A sql_* backend of storage.backends.' },
        table_name: { type: ['string', 'null'], pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'files_metadata' },
      },
      required: ['backend'],
      additionalProperties: false,
    },
    ttl_secs: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Lifetime of files uploaded without expires_after; null keeps them until deleted.' },
    max_file_size_bytes: { type: 'integer', minimum: 1, default: DEFAULT_MAX_FILE_SIZE_BYTES, description: 'Uploads larger than this are refused with 413.' },
  },
  required: ['storage_dir', 'metadata_store'],
  additionalProperties: false,
};

export const sampleConfig = {
  storage_dir: '${env.FILES_STORAGE_DIR:=~/.cria/distributions/starter/files}',
  metadata_store: { table_name: 'files_metadata', backend: 'sql_default' },
};
