import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::llama-cpp-server`: the shared OpenAI-compatible settings; `base_url` defaults to a local llama-server. */
export type LlamaCppServerSettings = OpenAICompatSettings;

/** A llama.cpp server (llama-server); its health is its `/health` route, beside the `/v1` root. */
export const llamaCppServerPreset: OpenAICompatPreset<LlamaCppServerSettings> = {
  providerType: 'remote::llama-cpp-server',
  description: 'A llama.cpp server (llama-server) through its OpenAI-compatible endpoint (and /v1/rerank when started with --reranking).',
  defaultBaseUrl: 'http://localhost:8080/v1',
  providerDataApiKeyField: null,
  apiKeyEnv: null,
  requiresApiKey: false,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'health',
  rerankEndpoint: 'base',
  sampleConfig: { base_url: 'http://localhost:8080/v1' },
};
