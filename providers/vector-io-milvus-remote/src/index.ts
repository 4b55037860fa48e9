import { defineProvider } from '@cria/api';
import { configSchema, type MilvusRemoteSettings, sampleConfig } from './milvus-remote-config.js';
import { MilvusRemoteVectorIO } from './milvus-remote-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { MilvusRemoteSettings } from './milvus-remote-config.js';
export { attributeFilterToMilvus } from './milvus-remote-filter.js';
export { collectionName, llamaStackCollectionName, MilvusRemoteVectorIO } from './milvus-remote-vector-io.js';

export default defineProvider<'vector_io', MilvusRemoteSettings>({
  api: 'vector_io',
  providerType: 'remote::milvus',
  description: 'Vector stores as collections of a Milvus server (2.5 or later) over its RESTful API v2: COSINE vector search, BM25 full-text search through a BM25 function and sparse field, hybrid with RRF or weighted reranking.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['token', 'password'],
  requirements: ['@zilliz/milvus2-sdk-node', 'a Milvus server (2.5 or later, for BM25 full-text search)'],
  create: async (config, context) => new MilvusRemoteVectorIO(config, await context.storage.kv(config.persistence), context.providerId),
});
