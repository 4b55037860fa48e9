import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::fireworks`: the shared OpenAI-compatible settings; `base_url` defaults to Fireworks' API. */
export type FireworksSettings = OpenAICompatSettings;

/** Fireworks AI; requests need an API key, and its embedding model is known with its dimension. */
export const fireworksPreset: OpenAICompatPreset<FireworksSettings> = {
  providerType: 'remote::fireworks',
  description: 'Fireworks AI.',
  defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
  providerDataApiKeyField: 'fireworks_api_key',
  apiKeyEnv: 'FIREWORKS_API_KEY',
  requiresApiKey: true,
  embeddingModels: {
    'nomic-ai/nomic-embed-text-v1.5': { embedding_dimension: 768, context_length: 8192 },
  },
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { base_url: 'https://api.fireworks.ai/inference/v1', api_key: '${env.FIREWORKS_API_KEY:=}' },
};
