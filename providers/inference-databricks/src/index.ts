import { openAICompatProvider } from '@cria/provider-utils';
import { databricksPreset } from './databricks-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { databricksHost, databricksPreset, type DatabricksSettings } from './databricks-preset.js';

/** `remote::databricks`: Databricks through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(databricksPreset, { configValidator });
