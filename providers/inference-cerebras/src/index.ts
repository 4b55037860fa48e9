import { openAICompatProvider } from '@cria/provider-utils';
import { cerebrasPreset } from './cerebras-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { cerebrasPreset, type CerebrasSettings } from './cerebras-preset.js';

/** `remote::cerebras`: Cerebras through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(cerebrasPreset, { configValidator });
