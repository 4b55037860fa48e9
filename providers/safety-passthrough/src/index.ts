import { defineProvider } from '@cria/api';
import { configSchema, type PassthroughSafetyConfig, providerDataSchema, sampleConfig } from './passthrough-safety-config.js';
import { PassthroughSafety } from './passthrough-safety.js';
import { configValidator } from '../generated/config-validator.js';

export { BLOCKED_FORWARD_HEADERS, type PassthroughSafetyConfig } from './passthrough-safety-config.js';
export { PassthroughSafety } from './passthrough-safety.js';

/** `remote::passthrough`: shields and moderations forwarded to another server, as Llama Stack's provider of the same type. */
export default defineProvider<'safety', PassthroughSafetyConfig>({
  api: 'safety',
  providerType: 'remote::passthrough',
  description:
    "Forwards shields and moderations to another server's /moderations (OpenAI's or Llama API's shape), or to another Llama Stack or Cria server's /safety/run-shield, with the key from the config or each request's provider data.",
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['api_key'],
  providerDataSchema,
  create: (config) => new PassthroughSafety(config),
});
