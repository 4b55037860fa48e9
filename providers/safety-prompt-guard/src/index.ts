import { defineProvider } from '@cria/api';
import { configSchema, type PromptGuardSettings, sampleConfig } from './prompt-guard-config.js';
import { PromptGuardSafety } from './prompt-guard-safety.js';
import { configValidator } from '../generated/config-validator.js';

export { configSchema, DEFAULT_MODELS_DIR, type PromptGuardSettings, type PromptGuardType } from './prompt-guard-config.js';
export { loadPromptGuardClassifier, MODEL_FILES, type PromptGuardClassifier } from './prompt-guard-model.js';
export { messageText, PROMPT_GUARD_MODELS, PROMPT_GUARD_USER_MESSAGE, PromptGuardSafety } from './prompt-guard-safety.js';

export default defineProvider<'safety', PromptGuardSettings>({
  api: 'safety',
  providerType: 'inline::prompt-guard',
  description: "Meta's Prompt Guard (Prompt-Guard-86M, Llama-Prompt-Guard-2-86M/22M) run in-process by transformers.js on ONNX Runtime: blocks prompt injections or jailbreaks above a threshold.",
  configSchema,
  configValidator,
  sampleConfig,
  requirements: ['@huggingface/transformers', 'onnxruntime-node'],
  create: (config, context) => new PromptGuardSafety(config, context),
});
