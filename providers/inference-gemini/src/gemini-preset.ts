import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::gemini`: the shared OpenAI-compatible settings; `base_url` defaults to Google's OpenAI-compatible endpoint. */
export type GeminiSettings = OpenAICompatSettings;

/**
 * Google Gemini through the Gemini API's OpenAI-compatible endpoint. Its model ids carry the
 * `models/` prefix (`models/gemini-2.5-flash`); its embeddings replies carry no usage, which
 * the shared adapter fills with zeros as Llama Stack does.
 */
export const geminiPreset: OpenAICompatPreset<GeminiSettings> = {
  providerType: 'remote::gemini',
  description: 'Google Gemini (its OpenAI-compatible endpoint).',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/',
  providerDataApiKeyField: 'gemini_api_key',
  apiKeyEnv: 'GEMINI_API_KEY',
  requiresApiKey: true,
  embeddingModels: {
    'models/text-embedding-004': { embedding_dimension: 768, context_length: 2048 },
    'models/gemini-embedding-001': { embedding_dimension: 3072, context_length: 2048 },
  },
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { api_key: '${env.GEMINI_API_KEY:=}' },
};
