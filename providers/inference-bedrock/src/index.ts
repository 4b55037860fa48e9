import { openAICompatProvider } from '@cria/provider-utils';
import { bedrockPreset } from './bedrock-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { bedrockApiRoot, bedrockPreset, type BedrockSettings } from './bedrock-preset.js';

/** `remote::bedrock`: Amazon Bedrock's OpenAI-compatible endpoint through the shared adapter. */
export default openAICompatProvider(bedrockPreset, { configValidator });
