import { defineProvider, type JsonSchema } from '@cria/api';
import { configSchema, type OpenAICompatSettings } from './openai-compat-config.js';
import { OpenAICompatInference } from './openai-compat-inference.js';
import { type OpenAICompatPreset, PRESETS } from './openai-compat-presets.js';

export type { OpenAICompatSettings } from './openai-compat-config.js';
export type { OpenAICompatPreset } from './openai-compat-presets.js';
export { OpenAICompatInference } from './openai-compat-inference.js';
export { parseSse, UpstreamClient, upstreamErrorMessage } from './openai-compat-http.js';
export { PRESETS } from './openai-compat-presets.js';

function providerDataSchema(preset: OpenAICompatPreset): JsonSchema | undefined {
  const properties: Record<string, JsonSchema> = {};
  if (preset.providerDataApiKeyField) properties[preset.providerDataApiKeyField] = { type: 'string', description: 'API key for this request.' };
  if (preset.providerType === 'remote::passthrough') properties.passthrough_url = { type: 'string', description: 'Base URL for this request.' };
  return Object.keys(properties).length ? { type: 'object', properties, additionalProperties: true } : undefined;
}

/** Creates the provider definition of one preset. */
export function openAICompatProvider(preset: OpenAICompatPreset) {
  const schema = configSchema(preset.extraConfig);
  if (preset.defaultBaseUrl && schema.properties?.base_url) schema.properties.base_url = { ...schema.properties.base_url, default: preset.defaultBaseUrl };
  const dataSchema = providerDataSchema(preset);
  return defineProvider<'inference', OpenAICompatSettings>({
    api: 'inference',
    providerType: preset.providerType,
    description: preset.description,
    configSchema: schema,
    sampleConfig: preset.sampleConfig,
    secretConfigKeys: ['api_key', 'api_token'],
    ...(dataSchema ? { providerDataSchema: dataSchema } : {}),
    requirements: ['undici'],
    create: (config, context) => {
      if (config.tls_verify !== undefined && config.tls_verify !== null) {
        context.logger.warn('tls_verify is deprecated; use network.tls.verify');
        config.network = { ...(config.network ?? {}), tls: { ...(config.network?.tls ?? {}), verify: config.tls_verify } };
      }
      if (!config.base_url && !preset.defaultBaseUrl && preset.providerType !== 'remote::passthrough') {
        throw new Error(`${preset.providerType} needs base_url`);
      }
      return new OpenAICompatInference(config, preset, context.providerId, context.logger);
    },
  });
}

export default PRESETS.map(openAICompatProvider);
