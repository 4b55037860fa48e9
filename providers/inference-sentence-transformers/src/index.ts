import { defineProvider } from '@cria/api';
import { configSchema, type SentenceTransformersSettings, sampleConfig } from './sentence-transformers-config.js';
import { SentenceTransformersInference } from './sentence-transformers-inference.js';
import { configValidator } from '../generated/config-validator.js';

export { configSchema, DEFAULT_MODELS_DIR, type SentenceTransformersSettings } from './sentence-transformers-config.js';
export { loadSentenceEncoder, MODEL_FILES, poolTokens, readSentencePipeline, type SentenceEncoder, type SentencePipeline } from './sentence-transformers-encoder.js';
export { KNOWN_EMBEDDING_MODELS, type KnownEmbeddingModel } from './sentence-transformers-models.js';
export { SentenceTransformersInference } from './sentence-transformers-inference.js';

export default defineProvider<'inference', SentenceTransformersSettings>({
  api: 'inference',
  providerType: 'inline::sentence-transformers',
  description: 'Text embeddings computed in-process by transformers.js on ONNX Runtime (CPU) from sentence-transformers models (nomic-embed-text-v1.5, all-MiniLM-L6-v2, any ONNX export), pooled and normalized as sentence-transformers does.',
  configSchema,
  configValidator,
  sampleConfig,
  requirements: ['@huggingface/transformers', 'onnxruntime-node'],
  create: (config, context) => new SentenceTransformersInference(config, context),
});
