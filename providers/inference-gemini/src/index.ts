import { openAICompatProvider } from '@cria/provider-utils';
import { geminiPreset } from './gemini-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { geminiPreset, type GeminiSettings } from './gemini-preset.js';

/** `remote::gemini`: Gemini through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(geminiPreset, { configValidator });
