import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::together`: the shared OpenAI-compatible settings; `base_url` defaults to Together's API. */
export type TogetherSettings = OpenAICompatSettings;

/** Together AI; requests need an API key, and its embedding models are known with their dimensions. */
export const togetherPreset: OpenAICompatPreset<TogetherSettings> = {
  providerType: 'remote::together',
  description: 'Together AI.',
  defaultBaseUrl: 'https://api.together.xyz/v1',
  providerDataApiKeyField: 'together_api_key',
  apiKeyEnv: 'TOGETHER_API_KEY',
  requiresApiKey: true,
  embeddingModels: {
    'togethercomputer/m2-bert-80M-32k-retrieval': { embedding_dimension: 768, context_length: 32768 },
    'BAAI/bge-large-en-v1.5': { embedding_dimension: 1024, context_length: 512 },
    'BAAI/bge-base-en-v1.5': { embedding_dimension: 768, context_length: 512 },
    'Alibaba-NLP/gte-modernbert-base': { embedding_dimension: 768, context_length: 8192 },
    'intfloat/multilingual-e5-large-instruct': { embedding_dimension: 1024, context_length: 512 },
  },
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { base_url: 'https://api.together.xyz/v1', api_key: '${env.TOGETHER_API_KEY:=}' },
};
