import { openAICompatProvider } from '@cria/provider-utils';
import { openAIPreset } from './openai-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { openAIPreset, type OpenAISettings } from './openai-preset.js';

/** `remote::openai`: OpenAI's API through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(openAIPreset, { configValidator });
