import { defineProvider } from '@cria/api';
import { type ChromadbSettings, configSchema, sampleConfig } from './chromadb-config.js';
import { ChromadbVectorIO } from './chromadb-vector-io.js';
import { configValidator } from '../generated/config-validator.js';

export type { ChromadbSettings } from './chromadb-config.js';
export { ChromadbVectorIO } from './chromadb-vector-io.js';

export default defineProvider<'vector_io', ChromadbSettings>({
  api: 'vector_io',
  providerType: 'remote::chromadb',
  description: 'Vector stores as collections of a Chroma server (cosine distance): vector search, keyword search ranked by BM25 over the documents Chroma finds, hybrid with RRF or weighted reranking, OpenAI attribute filters.',
  configSchema,
  configValidator,
  sampleConfig,
  requirements: ['chromadb'],
  create: async (config, context) => ChromadbVectorIO.open(config.url, await context.storage.kv(config.persistence)),
});
