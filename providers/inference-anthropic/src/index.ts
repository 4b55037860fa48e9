import { openAICompatProvider } from '@cria/provider-utils';
import { anthropicPreset } from './anthropic-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { ANTHROPIC_VERSION, anthropicPreset, type AnthropicSettings } from './anthropic-preset.js';

/** `remote::anthropic`: Anthropic through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(anthropicPreset, { configValidator });
