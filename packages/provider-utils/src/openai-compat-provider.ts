import { ConfigError, defineProvider, type JsonSchema, type PrecompiledValidator, type ProviderSpec } from '@cria/api';
import { openAICompatConfigSchema, type OpenAICompatSettings } from './openai-compat-config.js';
import { OpenAICompatInference } from './openai-compat-inference.js';
import type { OpenAICompatPreset, OpenAICompatService } from './openai-compat-preset.js';

/** The X-LlamaStack-Provider-Data fields a service reads, for `cria list-providers` and the docs. */
function providerDataSchema(service: OpenAICompatService): JsonSchema | undefined {
  const properties: Record<string, JsonSchema> = {};
  if (service.providerDataApiKeyField) properties[service.providerDataApiKeyField] = { type: 'string', description: 'API key for this request.' };
  if (service.providerDataBaseUrlField) properties[service.providerDataBaseUrlField] = { type: 'string', description: 'Base URL for this request.' };
  return Object.keys(properties).length ? { type: 'object', properties, additionalProperties: true } : undefined;
}

/**
 * The provider definition of one OpenAI-compatible provider type: its config schema (the shared
 * keys, the preset's own, `base_url` defaulting to the service's root), and a factory that
 * runs the preset's `configure` and builds the shared adapter.
 */
export function openAICompatProvider<Settings extends OpenAICompatSettings>(
  preset: OpenAICompatPreset<Settings>,
  options: {
    /** The package's precompiled validator of the config schema this builds (see `configValidator` of defineProvider). */
    configValidator?: PrecompiledValidator;
  } = {},
): ProviderSpec<'inference', Settings> {
  const configSchema = openAICompatConfigSchema(preset.configProperties);
  if (preset.defaultBaseUrl && configSchema.properties?.base_url) configSchema.properties.base_url = { ...configSchema.properties.base_url, default: preset.defaultBaseUrl };
  const dataSchema = providerDataSchema(preset);
  return defineProvider<'inference', Settings>({
    api: 'inference',
    providerType: preset.providerType,
    description: preset.description,
    configSchema,
    ...(options.configValidator ? { configValidator: options.configValidator } : {}),
    sampleConfig: preset.sampleConfig,
    ...(preset.environment ? { environment: preset.environment } : {}),
    secretConfigKeys: ['api_key', ...(preset.secretConfigKeys ?? [])],
    ...(dataSchema ? { providerDataSchema: dataSchema } : {}),
    requirements: ['undici'],
    create: (config, context) => {
      const configured = preset.configure ? preset.configure(config, { providerId: context.providerId, logger: context.logger }) : { settings: config };
      if (!configured.settings.base_url && !preset.defaultBaseUrl && !preset.providerDataBaseUrlField && !configured.extensions?.authorize) {
        throw new ConfigError('', `${preset.providerType} needs base_url`);
      }
      const service = configured.service ? { ...preset, ...configured.service } : preset;
      return new OpenAICompatInference(configured.settings, service, context.providerId, context.logger, configured.extensions);
    },
  });
}
