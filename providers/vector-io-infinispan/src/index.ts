import { defineProvider } from '@cria/api';
import { configSchema, type InfinispanSettings, sampleConfig } from './infinispan-config.js';
import { InfinispanVectorIO } from './infinispan-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { InfinispanSettings } from './infinispan-config.js';
export { digestAuthorization, parseDigestChallenge } from './infinispan-digest.js';
export { cacheConfiguration, entityName, InfinispanVectorIO, stems, vectorChunkSchema } from './infinispan-vector-io.js';

export default defineProvider<'vector_io', InfinispanSettings>({
  api: 'vector_io',
  providerType: 'remote::infinispan',
  description: 'Vector stores as Infinispan caches (REST API v3): kNN search on cosine vectors and full-text search on stemmed content by Ickle queries, hybrid with RRF or weighted reranking, attribute filters, Digest or Basic authentication.',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['password'],
  requirements: ['an Infinispan server (15 or later, REST API v3)'],
  create: async (config, context) => new InfinispanVectorIO(config, await context.storage.kv(config.persistence), context.providerId),
});
