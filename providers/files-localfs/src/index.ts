import { defineProvider } from '@cria/api';
import { configSchema, type LocalfsFilesConfig, sampleConfig } from './files-localfs-config.js';
import { LocalfsFiles } from './files-localfs.js';
import { configValidator } from '../generated/config-validator.js';

export { DEFAULT_MAX_FILE_SIZE_BYTES, type LocalfsFilesConfig } from './files-localfs-config.js';
export { LocalfsFiles, sanitizeFilename } from './files-localfs.js';

export default defineProvider<'files', LocalfsFilesConfig>({
  api: 'files',
  providerType: 'inline::localfs',
  description: 'Files on the local filesystem: bytes in storage_dir (written atomically), metadata in a SQL table, with a size limit and expiry.',
  configSchema,
  configValidator,
  sampleConfig,
  create: (config, context) => LocalfsFiles.open(config, context),
});
