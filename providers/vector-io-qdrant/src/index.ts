import { defineProvider } from '@cria/api';
import { configSchema, type QdrantSettings, sampleConfig } from './qdrant-config.js';
import { QdrantVectorIO } from './qdrant-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { QdrantSettings } from './qdrant-config.js';
export { pointId, QdrantVectorIO } from './qdrant-vector-io.js';

export default defineProvider<'vector_io', QdrantSettings>({
  api: 'vector_io',
  providerType: 'remote::qdrant',
  description: 'Vector stores as Qdrant collections (cosine): vector search by Qdrant, keyword search through a stemmed full-text payload index ranked by BM25, hybrid with RRF or weighted reranking.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['api_key'],
  requirements: ['@qdrant/js-client-rest', 'a Qdrant server (1.15 or later, for the stemmed text index)'],
  create: async (config, context) => new QdrantVectorIO(config, await context.storage.kv(config.persistence), context.providerId),
});
