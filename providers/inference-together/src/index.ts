import { openAICompatProvider } from '@cria/provider-utils';
import { togetherPreset } from './together-preset.js';

export { togetherPreset, type TogetherSettings } from './together-preset.js';

/** `remote::together`: Together AI through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(togetherPreset);
