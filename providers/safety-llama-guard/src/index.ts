import { defineProvider } from '@cria/api';
import { configSchema, type LlamaGuardConfig, sampleConfig } from './llama-guard-config.js';
import { LlamaGuardSafety } from './llama-guard-safety.js';
import { configValidator } from '../generated/config-validator.js';

export type { LlamaGuardConfig } from './llama-guard-config.js';
export { categoriesForModel, LLAMA_GUARD_CATEGORIES, LLAMA_GUARD_CODES, type LlamaGuardCode, OPENAI_CATEGORIES_BY_CODE } from './llama-guard-categories.js';
export { buildLlamaGuardPrompt, buildVisionInput, categoryLines, type LlamaGuardPromptOptions, prepareConversation } from './llama-guard-prompt.js';
export { CANNED_RESPONSE_TEXT, type LlamaGuardVerdict, parseLlamaGuardReply, violatedCodes, violationFor } from './llama-guard-reply.js';
export { moderationResult } from './llama-guard-moderation.js';
export { LlamaGuardSafety } from './llama-guard-safety.js';

export default defineProvider<'safety', LlamaGuardConfig, 'inference'>({
  api: 'safety',
  providerType: 'inline::llama-guard',
  description: 'Shields and moderations judged by a Llama Guard model (3 1B/8B/11B-Vision, 4 12B, or any served alias) through the inference API, with Llama Stack\'s prompt and categories S1..S14.',
  configSchema,
  configValidator,
  sampleConfig,
  dependencies: ['inference'],
  create: (config, context) => LlamaGuardSafety.create(config, context),
});
