import { defineProvider } from '@cria/api';
import { configSchema, sampleConfig, type WeaviateSettings } from './weaviate-config.js';
import { WeaviateVectorIO } from './weaviate-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { WeaviateSettings } from './weaviate-config.js';
export { className, objectId, WeaviateVectorIO } from './weaviate-vector-io.js';

/** Where the registry lives when the config leaves persistence out (Llama Stack makes it optional). */
const DEFAULT_PERSISTENCE = { backend: 'kv_default', namespace: 'vector_io::weaviate' };

export default defineProvider<'vector_io', WeaviateSettings>({
  api: 'vector_io',
  providerType: 'remote::weaviate',
  description: 'Vector stores as Weaviate classes (REST and GraphQL): nearVector search on cosine vectors, BM25 on stemmed content, typed metadata properties for filters, hybrid with RRF or weighted reranking.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['weaviate_api_key'],
  requirements: ['a Weaviate server (1.24 or later)'],
  create: async (config, context) => new WeaviateVectorIO(config, await context.storage.kv(config.persistence ?? DEFAULT_PERSISTENCE), context.providerId),
});
