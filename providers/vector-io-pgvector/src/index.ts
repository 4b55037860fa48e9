import { defineProvider } from '@cria/api';
import { configSchema, type PgvectorSettings, sampleConfig } from './pgvector-config.js';
import { PgvectorVectorIO } from './pgvector-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { PgvectorDistanceMetric, PgvectorHnswIndex, PgvectorIvfflatIndex, PgvectorSettings } from './pgvector-config.js';
export { PgvectorVectorIO } from './pgvector-vector-io.js';

export default defineProvider<'vector_io', PgvectorSettings>({
  api: 'vector_io',
  providerType: 'remote::pgvector',
  description: 'Vector stores in PostgreSQL with pgvector: HNSW or IVFFlat approximate search (cosine, L2, L1 or inner product), tsvector keyword search ranked by ts_rank, and hybrid search with RRF or weighted reranking.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['password'],
  requirements: ['pg', 'PostgreSQL with the pgvector extension'],
  create: async (config, context) => {
    const registry = await context.storage.kv(config.persistence);
    return PgvectorVectorIO.open(config, registry, context.providerId, context.logger);
  },
});
