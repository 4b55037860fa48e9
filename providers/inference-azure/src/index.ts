import { openAICompatProvider } from '@cria/provider-utils';
import { azurePreset } from './azure-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { azureApiRoot, azurePreset, type AzureSettings } from './azure-preset.js';

/** `remote::azure`: Azure OpenAI through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(azurePreset, { configValidator });
