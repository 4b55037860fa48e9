import type { JsonSchema } from '@cria/api';

/** `remote::s3` settings: Llama Stack's S3FilesImplConfig keys, plus a size limit. */
export interface S3FilesConfig {
  /** The bucket holding the bytes, one object per file, keyed by file id. */
  bucket_name: string;
  /** The bucket's AWS region. */
  region: string;
  /** Static credentials; when either is empty the SDK's default chain (env, profile, IAM role) is used. */
  aws_access_key_id: string | null;
  aws_secret_access_key: string | null;
  /** An S3-compatible endpoint (MinIO, LocalStack, ...); path-style addressing is used with it. */
  endpoint_url: string | null;
  /** Create the bucket when it does not exist (otherwise requests fail naming the missing bucket). */
  auto_create_bucket: boolean;
  /** The SQL table of file metadata (Llama Stack's SqlStoreReference). */
  metadata_store: { backend: string; table_name?: string | null };
  /** The largest upload accepted; larger ones answer 413 and leave nothing behind (a Cria addition). */
  max_file_size_bytes: number;
}

/** OpenAI's own per-file limit. */
export const DEFAULT_MAX_FILE_SIZE_BYTES = 512 * 1024 * 1024;
export const DEFAULT_TABLE_NAME = 's3_files_metadata';

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    bucket_name: { type: 'string', minLength: 1, description: 'S3 bucket name to store files.' },
    region: { type: 'string', minLength: 1, default: 'us-east-1', description: 'AWS region where the bucket is located.' },
    aws_access_key_id: { type: ['string', 'null'], default: null, description: 'AWS access key ID (optional with IAM roles or the SDK default credential chain).' },
    aws_secret_access_key: { type: ['string', 'null'], default: null, description: 'AWS secret access key (optional with IAM roles or the SDK default credential chain).' },
    endpoint_url: { type: ['string', 'null'], default: null, description: 'Custom S3 endpoint URL (MinIO, LocalStack, ...).' },
    auto_create_bucket: { type: 'boolean', default: false, description: "Create the bucket if it doesn't exist." },
    metadata_store: {
      type: 'object',
      properties: {
        backend: { type: 'string', minLength: 1, description: 'A sql_* backend of storage.backends.' },
        table_name: { type: ['string', 'null'], pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: DEFAULT_TABLE_NAME },
      },
      required: ['backend'],
      additionalProperties: false,
    },
    max_file_size_bytes: { type: 'integer', minimum: 1, default: DEFAULT_MAX_FILE_SIZE_BYTES, description: 'Uploads larger than this are refused with 413.' },
  },
  required: ['bucket_name', 'metadata_store'],
  additionalProperties: false,
};

/** Llama Stack's sample: the bucket has no default, since bucket names are globally unique. */
export const sampleConfig = {
  bucket_name: '${env.S3_BUCKET_NAME}',
  region: '${env.AWS_REGION:=us-east-1}',
  aws_access_key_id: '${env.AWS_ACCESS_KEY_ID:=}',
  aws_secret_access_key: '${env.AWS_SECRET_ACCESS_KEY:=}',
  endpoint_url: '${env.S3_ENDPOINT_URL:=}',
  auto_create_bucket: '${env.S3_AUTO_CREATE_BUCKET:=false}',
  metadata_store: { backend: 'sql_default', table_name: DEFAULT_TABLE_NAME },
};
