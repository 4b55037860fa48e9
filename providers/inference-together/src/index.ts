import { openAICompatProvider } from '@cria/provider-utils';
import { togetherPreset } from './together-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { togetherPreset, type TogetherSettings } from './together-preset.js';

/** `remote::together`: Together AI through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(togetherPreset, { configValidator });
