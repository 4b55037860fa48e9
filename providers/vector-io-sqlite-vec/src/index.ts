import { defineProvider, resolveConfigPath } from '@cria/api';
import { configSchema, sampleConfig, type SqliteVecSettings } from './sqlite-vec-config.js';
import { SqliteVecVectorIO } from './sqlite-vec-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { SqliteVecSettings } from './sqlite-vec-config.js';
export { SqliteVecVectorIO } from './sqlite-vec-vector-io.js';

export default defineProvider<'vector_io', SqliteVecSettings>({
  api: 'vector_io',
  providerType: 'inline::sqlite-vec',
  description: 'Vector stores in a local SQLite file: sqlite-vec for exact vector search (cosine similarity), FTS5 with bm25 for keyword search, and hybrid search with RRF or weighted reranking.',
  configSchema,
  configValidator,
  sampleConfig,
  requirements: ['sqlite-vec'],
  create: async (config, context) => {
    const registry = await context.storage.kv(config.persistence);
    return SqliteVecVectorIO.open(resolveConfigPath(config.db_path, context.distributionDir), registry, context.logger);
  },
});
