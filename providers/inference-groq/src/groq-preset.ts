import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::groq`: the shared OpenAI-compatible settings; `base_url` defaults to Groq's API. */
export type GroqSettings = OpenAICompatSettings;

/** Groq; requests need an API key. */
export const groqPreset: OpenAICompatPreset<GroqSettings> = {
  providerType: 'remote::groq',
  description: 'Groq.',
  defaultBaseUrl: 'https://api.groq.com/openai/v1',
  providerDataApiKeyField: 'groq_api_key',
  apiKeyEnv: 'GROQ_API_KEY',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { base_url: 'https://api.groq.com/openai/v1', api_key: '${env.GROQ_API_KEY:=}' },
};
