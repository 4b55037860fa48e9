import { defineProvider } from '@cria/api';
import { configSchema, type S3FilesConfig, sampleConfig } from './files-s3-config.js';
import { S3Files } from './files-s3.js';
import { configValidator } from '../generated/config-validator.js';

export { DEFAULT_MAX_FILE_SIZE_BYTES, type S3FilesConfig } from './files-s3-config.js';
export { S3Files } from './files-s3.js';

export default defineProvider<'files', S3FilesConfig>({
  api: 'files',
  providerType: 'remote::s3',
  description: 'Files in an S3 bucket (AWS S3 or an S3-compatible server): bytes as objects keyed by file id, metadata in a SQL table, with a size limit and expiry.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['aws_access_key_id', 'aws_secret_access_key'],
  create: (config, context) => S3Files.open(config, context),
});
