import { openAICompatProvider } from '@cria/provider-utils';
import { passthroughPreset } from './passthrough-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { passthroughPreset, type PassthroughSettings } from './passthrough-preset.js';

/** `remote::passthrough`: any OpenAI-compatible service through the shared adapter, per-request URL and key allowed. */
export default openAICompatProvider(passthroughPreset, { configValidator });
