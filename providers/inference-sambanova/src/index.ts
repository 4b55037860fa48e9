import { openAICompatProvider } from '@cria/provider-utils';
import { sambaNovaPreset } from './sambanova-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { sambaNovaPreset, type SambaNovaSettings } from './sambanova-preset.js';

/** `remote::sambanova`: SambaNova through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(sambaNovaPreset, { configValidator });
