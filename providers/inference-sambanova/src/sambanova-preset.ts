import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::sambanova`: the shared OpenAI-compatible settings; `base_url` defaults to SambaNova Cloud's API. */
export type SambaNovaSettings = OpenAICompatSettings;

/**
 * SambaNova Cloud; requests need an API key. SambaNova does not fetch image URLs itself, so
 * images are downloaded here and sent as data URLs (as Llama Stack does).
 */
export const sambaNovaPreset: OpenAICompatPreset<SambaNovaSettings> = {
  providerType: 'remote::sambanova',
  description: 'SambaNova Cloud.',
  defaultBaseUrl: 'https://api.sambanova.ai/v1',
  providerDataApiKeyField: 'sambanova_api_key',
  apiKeyEnv: 'SAMBANOVA_API_KEY',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: true,
  healthPath: 'models',
  sampleConfig: { base_url: 'https://api.sambanova.ai/v1', api_key: '${env.SAMBANOVA_API_KEY:=}' },
};
