import { openAICompatProvider } from '@cria/provider-utils';
import { nvidiaPreset } from './nvidia-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { nvidiaPreset, type NvidiaSettings } from './nvidia-preset.js';

/** `remote::nvidia`: NVIDIA through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(nvidiaPreset, { configValidator });
