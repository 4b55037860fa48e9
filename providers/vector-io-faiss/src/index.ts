import { defineProvider } from '@cria/api';
import { configSchema, type FaissSettings, sampleConfig } from './faiss-config.js';
import { FaissVectorIO } from './faiss-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { FaissSettings } from './faiss-config.js';
export { FaissVectorIO } from './faiss-vector-io.js';

export default defineProvider<'vector_io', FaissSettings>({
  api: 'vector_io',
  providerType: 'inline::faiss',
  description: 'Vector stores as exact (flat) in-memory indexes kept in the key-value store: vector search by cosine similarity with attribute filters; no keyword or hybrid search, as in Llama Stack.',
  configSchema,
  configValidator,
  sampleConfig,
  create: async (config, context) => FaissVectorIO.open(await context.storage.kv(config.persistence)),
});
