import { defineProvider } from '@cria/api';
import { configSchema, type LocalfsDatasetIOConfig, sampleConfig } from './localfs-config.js';
import { LocalfsDatasetIO } from './localfs-datasetio.js';
import { configValidator } from '../generated/config-validator.js';

export type { LocalfsDatasetIOConfig } from './localfs-config.js';
export { LocalfsDatasetIO, takePage } from './localfs-datasetio.js';
export { sourceRows } from './localfs-rows.js';
export { decodeDataUri, formatOfName, type ResolvedSource, resolveSource, type RowFormat } from './localfs-sources.js';

export default defineProvider<'datasetio', LocalfsDatasetIOConfig, never, 'files'>({
  api: 'datasetio',
  providerType: 'inline::localfs',
  description: 'Datasets from inline rows, files on the server (inside allowed_dirs), data: URIs or Files API uploads, as CSV, JSON Lines, JSON or Parquet, read page by page; appended rows kept in a kv store.',
  configSchema,
  configValidator,
  sampleConfig,
  optionalDependencies: ['files'],
  create: (config, context) => LocalfsDatasetIO.create(config, context),
});
