import { openAICompatProvider } from '@cria/provider-utils';
import { vertexAIPreset } from './vertexai-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { vertexAIApiRoot, vertexAIPreset, type VertexAISettings } from './vertexai-preset.js';
export { applicationDefaultCredentialsPaths, GoogleAccessTokens } from './vertexai-credentials.js';

/** `remote::vertexai`: Google Vertex AI's OpenAI-compatible endpoint through the shared adapter. */
export default openAICompatProvider(vertexAIPreset, { configValidator });
