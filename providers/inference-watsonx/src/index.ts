import { openAICompatProvider } from '@cria/provider-utils';
import { watsonxPreset } from './watsonx-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { WATSONX_API_VERSION, watsonxPreset, type WatsonxSettings } from './watsonx-preset.js';

/** `remote::watsonx`: IBM watsonx.ai through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(watsonxPreset, { configValidator });
