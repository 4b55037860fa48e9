import { openAICompatProvider } from '@cria/provider-utils';
import { llamaOpenAICompatPreset } from './llama-openai-compat-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { llamaOpenAICompatPreset, type LlamaOpenAICompatSettings } from './llama-openai-compat-preset.js';

/** `remote::llama-openai-compat`: Meta's Llama API through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(llamaOpenAICompatPreset, { configValidator });
