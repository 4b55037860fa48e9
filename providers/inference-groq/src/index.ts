import { openAICompatProvider } from '@cria/provider-utils';
import { groqPreset } from './groq-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { groqPreset, type GroqSettings } from './groq-preset.js';

/** `remote::groq`: Groq through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(groqPreset, { configValidator });
