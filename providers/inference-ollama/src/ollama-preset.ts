import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::ollama`: the shared OpenAI-compatible settings; `base_url` defaults to a local Ollama. */
export type OllamaSettings = OpenAICompatSettings;

/**
 * An Ollama server's OpenAI-compatible /v1 endpoint. Ollama cannot fetch image URLs, so they are
 * downloaded and sent inline; its common embedding models are known with their dimensions.
 */
export const ollamaPreset: OpenAICompatPreset<OllamaSettings> = {
  providerType: 'remote::ollama',
  description: 'An Ollama server (its OpenAI-compatible /v1 endpoint).',
  defaultBaseUrl: 'http://localhost:11434/v1',
  providerDataApiKeyField: null,
  apiKeyEnv: null,
  requiresApiKey: false,
  embeddingModels: {
    'all-minilm:l6-v2': { embedding_dimension: 384, context_length: 512 },
    'all-minilm:latest': { embedding_dimension: 384, context_length: 512 },
    'nomic-embed-text:latest': { embedding_dimension: 768, context_length: 8192 },
    'nomic-embed-text:v1.5': { embedding_dimension: 768, context_length: 8192 },
    'nomic-embed-text:137m-v1.5-fp16': { embedding_dimension: 768, context_length: 8192 },
  },
  downloadImages: true,
  healthPath: 'models',
  sampleConfig: { base_url: '${env.OLLAMA_URL:=http://localhost:11434/v1}' },
};
