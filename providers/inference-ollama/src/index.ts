import { openAICompatProvider } from '@cria/provider-utils';
import { ollamaPreset } from './ollama-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { ollamaPreset, type OllamaSettings } from './ollama-preset.js';

/** `remote::ollama`: an Ollama server through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(ollamaPreset, { configValidator });
