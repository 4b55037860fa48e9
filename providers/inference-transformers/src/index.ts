import { defineProvider } from '@cria/api';
import { configSchema, sampleConfig, type TransformersSettings } from './transformers-config.js';
import { TransformersInference } from './transformers-inference.js';
import { configValidator } from '../generated/config-validator.js';

export { configSchema, DEFAULT_MODELS_DIR, type TransformersSettings } from './transformers-config.js';
export { DEFAULT_RERANKER_MODEL, KNOWN_RERANK_MODELS } from './transformers-models.js';
export {
  CAUSAL_RERANKER_PREFIX,
  CAUSAL_RERANKER_SUFFIX,
  causalRerankerPair,
  DEFAULT_RERANKER_INSTRUCTION,
  loadReranker,
  MODEL_FILES,
  type Reranker,
  type RerankerKind,
} from './transformers-reranker.js';
export { TransformersInference } from './transformers-inference.js';

export default defineProvider<'inference', TransformersSettings>({
  api: 'inference',
  providerType: 'inline::transformers',
  description: 'Reranking in-process by transformers.js on ONNX Runtime (CPU): cross-encoder rerankers, and Qwen3-Reranker-style yes/no LMs scored as Llama Stack does, from ONNX exports.',
  configSchema,
  configValidator,
  sampleConfig,
  requirements: ['@huggingface/transformers', 'onnxruntime-node'],
  create: (config, context) => new TransformersInference(config, context),
});
