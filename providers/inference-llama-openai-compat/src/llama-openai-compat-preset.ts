import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::llama-openai-compat`: the shared OpenAI-compatible settings; `base_url` defaults to the Llama API. */
export type LlamaOpenAICompatSettings = OpenAICompatSettings;

/** Meta's Llama API through its OpenAI-compatible endpoint; requests need an API key. */
export const llamaOpenAICompatPreset: OpenAICompatPreset<LlamaOpenAICompatSettings> = {
  providerType: 'remote::llama-openai-compat',
  description: 'Meta\'s Llama API (api.llama.com), through its OpenAI-compatible endpoint.',
  defaultBaseUrl: 'https://api.llama.com/compat/v1/',
  providerDataApiKeyField: 'llama_api_key',
  apiKeyEnv: 'LLAMA_API_KEY',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { base_url: 'https://api.llama.com/compat/v1/', api_key: '${env.LLAMA_API_KEY}' },
};
