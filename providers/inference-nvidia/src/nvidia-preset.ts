import type { JsonSchema } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::nvidia`: the shared OpenAI-compatible settings and NVIDIA's own keys, as Llama Stack names them. */
export interface NvidiaSettings extends OpenAICompatSettings {
  /** Seconds an HTTP request to the NIM may take (60 by default); network.timeout wins when both are set. */
  timeout?: number;
  /**
   * Rerank model ids and their hosted reranking URLs. Accepted so Llama Stack configs load;
   * Cria does not rerank through NVIDIA (see the README).
   */
  rerank_model_to_url?: Record<string, string>;
}

type NvidiaOwnKeys = Exclude<keyof NvidiaSettings, keyof OpenAICompatSettings>;

const nvidiaConfigProperties: Record<NvidiaOwnKeys, JsonSchema> = {
  timeout: { type: 'integer', minimum: 1, default: 60, description: 'Seconds an HTTP request may take; network.timeout wins when both are set.' },
  rerank_model_to_url: { type: 'object', additionalProperties: { type: 'string' }, description: 'Rerank model ids and their reranking URLs (accepted, not used).' },
};

const HOSTED_HOST = 'integrate.api.nvidia.com';

/** NVIDIA's hosted NIM API needs a key; a self-hosted NIM (any other base_url) does not. */
function isHosted(baseUrl: string): boolean {
  return baseUrl.includes(HOSTED_HOST);
}

/** NVIDIA NIM: the hosted preview APIs, or a NIM running on your own infrastructure. */
export const nvidiaPreset: OpenAICompatPreset<NvidiaSettings> = {
  providerType: 'remote::nvidia',
  description: 'NVIDIA NIM (hosted or self-hosted).',
  defaultBaseUrl: 'https://integrate.api.nvidia.com/v1',
  providerDataApiKeyField: 'nvidia_api_key',
  apiKeyEnv: 'NVIDIA_API_KEY',
  requiresApiKey: true,
  // Llama Stack's list, from NVIDIA's NeMo Retriever text-embedding support matrix.
  embeddingModels: {
    'nvidia/llama-3.2-nv-embedqa-1b-v2': { embedding_dimension: 2048, context_length: 8192 },
    'nvidia/nv-embedqa-e5-v5': { embedding_dimension: 512, context_length: 1024 },
    'nvidia/nv-embedqa-mistral-7b-v2': { embedding_dimension: 512, context_length: 4096 },
    'snowflake/arctic-embed-l': { embedding_dimension: 512, context_length: 1024 },
  },
  downloadImages: false,
  healthPath: 'models',
  configProperties: nvidiaConfigProperties,
  sampleConfig: { base_url: '${env.NVIDIA_BASE_URL:=https://integrate.api.nvidia.com/v1}', api_key: '${env.NVIDIA_API_KEY:=}' },
  configure(settings) {
    const { timeout, rerank_model_to_url: _rerankModelToUrl, ...shared } = settings;
    const network = timeout !== undefined && shared.network?.timeout == null ? { ...(shared.network ?? {}), timeout } : shared.network;
    return {
      settings: { ...shared, network },
      service: { requiresApiKey: isHosted(shared.base_url ?? nvidiaPreset.defaultBaseUrl!) },
    };
  },
};
