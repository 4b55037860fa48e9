import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::cerebras`: the shared OpenAI-compatible settings; `base_url` defaults to Cerebras' API. */
export type CerebrasSettings = OpenAICompatSettings;

/** Cerebras Inference; requests need an API key. Cerebras serves chat and completions, no embedding models. */
export const cerebrasPreset: OpenAICompatPreset<CerebrasSettings> = {
  providerType: 'remote::cerebras',
  description: 'Cerebras Inference.',
  defaultBaseUrl: 'https://api.cerebras.ai/v1',
  providerDataApiKeyField: 'cerebras_api_key',
  apiKeyEnv: 'CEREBRAS_API_KEY',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { base_url: 'https://api.cerebras.ai/v1', api_key: '${env.CEREBRAS_API_KEY:=}' },
};
