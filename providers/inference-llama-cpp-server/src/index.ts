import { openAICompatProvider } from '@cria/provider-utils';
import { llamaCppServerPreset } from './llama-cpp-server-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { llamaCppServerPreset, type LlamaCppServerSettings } from './llama-cpp-server-preset.js';

/** `remote::llama-cpp-server`: a llama.cpp server through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(llamaCppServerPreset, { configValidator });
