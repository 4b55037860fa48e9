import { defineProvider } from '@cria/api';
import { configSchema, type ElasticsearchSettings, sampleConfig } from './elasticsearch-config.js';
import { ElasticsearchVectorIO } from './elasticsearch-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { ElasticsearchSettings } from './elasticsearch-config.js';
export { ElasticsearchVectorIO, indexName } from './elasticsearch-vector-io.js';

/** Where the registry lives when the config leaves persistence out (Llama Stack makes it optional). */
const DEFAULT_PERSISTENCE = { backend: 'kv_default', namespace: 'vector_io::elasticsearch' };

export default defineProvider<'vector_io', ElasticsearchSettings>({
  api: 'vector_io',
  providerType: 'remote::elasticsearch',
  description: 'Vector stores as Elasticsearch indexes: kNN search on a cosine dense_vector, BM25 keyword search with the english analyzer, hybrid with RRF or weighted reranking, attribute filters on typed nested fields.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['elasticsearch_api_key'],
  requirements: ['@elastic/elasticsearch', 'an Elasticsearch server (8.12 or later, for the knn query)'],
  create: async (config, context) => new ElasticsearchVectorIO(config, await context.storage.kv(config.persistence ?? DEFAULT_PERSISTENCE), context.providerId),
});
