import { openAICompatProvider } from '@cria/provider-utils';
import { fireworksPreset } from './fireworks-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { fireworksPreset, type FireworksSettings } from './fireworks-preset.js';

/** `remote::fireworks`: Fireworks AI through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(fireworksPreset, { configValidator });
