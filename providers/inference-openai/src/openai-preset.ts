import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::openai`: the shared OpenAI-compatible settings; `base_url` defaults to api.openai.com. */
export type OpenAISettings = OpenAICompatSettings;

/** OpenAI's API, or any service that speaks it under another base_url. */
export const openAIPreset: OpenAICompatPreset<OpenAISettings> = {
  providerType: 'remote::openai',
  description: 'OpenAI (api.openai.com) or any service speaking its API.',
  defaultBaseUrl: 'https://api.openai.com/v1',
  providerDataApiKeyField: 'openai_api_key',
  apiKeyEnv: 'OPENAI_API_KEY',
  requiresApiKey: true,
  embeddingModels: {
    'text-embedding-3-small': { embedding_dimension: 1536, context_length: 8192 },
    'text-embedding-3-large': { embedding_dimension: 3072, context_length: 8192 },
    'text-embedding-ada-002': { embedding_dimension: 1536, context_length: 8192 },
  },
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { api_key: '${env.OPENAI_API_KEY:=}', base_url: '${env.OPENAI_BASE_URL:=https://api.openai.com/v1}' },
};
