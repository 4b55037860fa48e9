import { defineProvider } from '@cria/api';
import { configSchema, type LlamaCppSettings, sampleConfig } from './llama-cpp-config.js';
import { LlamaCppInference } from './llama-cpp-inference.js';
import { configValidator } from '../generated/config-validator.js';

export type { LlamaCppSettings } from './llama-cpp-config.js';
export { configSchema } from './llama-cpp-config.js';
export { type DownloadOptions, type DownloadProgress, type DownloadResult, downloadModel, ModelDownloadError, pickQuantFile, resolveDownloadUrl } from './llama-cpp-download.js';
export { LlamaCppInference } from './llama-cpp-inference.js';
export { DEFAULT_QUANT, isDownloadable, type ModelSource, parseModelSource } from './llama-cpp-model-source.js';
export { defaultThreads } from './llama-cpp-config.js';

export { DEFAULT_MODELS_DIR } from './llama-cpp-config.js';
export { formatLocalModels, listLocalModels, type LocalModel, modelsDirectory, pullModel, type PullOptions } from './llama-cpp-cli.js';

export default defineProvider<'inference', LlamaCppSettings>({
  api: 'inference',
  providerType: 'inline::llama-cpp',
  description: 'GGUF models run in-process by llama.cpp (node-llama-cpp): chat with the model\'s own template, grammar-enforced JSON and tool calls, completions, embeddings.',
  configSchema,
  configValidator,
  sampleConfig,
  environment: ['CRIA_MODELS_DIR', 'HF_TOKEN', 'HF_ENDPOINT'],
  requirements: ['node-llama-cpp'],
  create: (config, context) => new LlamaCppInference(config, context),
});
