import { openAICompatProvider } from '@cria/provider-utils';
import { runpodPreset } from './runpod-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { runpodPreset, type RunpodSettings } from './runpod-preset.js';

/** `remote::runpod`: RunPod through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(runpodPreset, { configValidator });
