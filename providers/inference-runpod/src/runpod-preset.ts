import type { JsonSchema } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::runpod`: the shared OpenAI-compatible settings (`base_url` required) and `api_token`, as Llama Stack names the key. */
export interface RunpodSettings extends OpenAICompatSettings {
  /** The RunPod API token (Llama Stack's name for the key here); api_key wins when both are set. */
  api_token?: string | null;
}

const runpodConfigProperties: Record<'api_token', JsonSchema> = {
  api_token: { type: ['string', 'null'], description: 'The RunPod API token.' },
};

/** A RunPod endpoint's OpenAI-compatible API (vLLM workers, serverless or dedicated): base_url is `https://api.runpod.ai/v2/<endpoint id>/openai/v1`. */
export const runpodPreset: OpenAICompatPreset<RunpodSettings> = {
  providerType: 'remote::runpod',
  description: 'A RunPod endpoint (its OpenAI-compatible API).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'runpod_api_token',
  apiKeyEnv: 'RUNPOD_API_TOKEN',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  configProperties: runpodConfigProperties,
  secretConfigKeys: ['api_token'],
  sampleConfig: { base_url: '${env.RUNPOD_URL:=}', api_token: '${env.RUNPOD_API_TOKEN:=}' },
  configure(settings) {
    const { api_token: apiToken, ...shared } = settings;
    return { settings: { ...shared, api_key: shared.api_key || apiToken || null } };
  },
};
