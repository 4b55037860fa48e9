import type { ChatCompletionRequest, JsonSchema, NetworkConfig } from '@cria/api';
import type { OpenAICompatExtensions, OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::vllm`: the shared OpenAI-compatible settings (`base_url` required) and vLLM's own keys, as Llama Stack names them. */
export interface VllmSettings extends OpenAICompatSettings {
  /**
   * `max_tokens` sent when a request sets neither max_tokens nor max_completion_tokens (4096 by
   * default; null sends none): vLLM otherwise lets a completion run to the model's context length.
   */
  max_tokens?: number | null;
  /** Llama Stack's name for the API key of a vLLM server (`--api-key`); api_key wins when both are set. */
  api_token?: string | null;
  /** Deprecated: use network.tls.verify (false, true, or the path of a CA bundle). */
  tls_verify?: boolean | string | null;
}

type VllmOwnKeys = Exclude<keyof VllmSettings, keyof OpenAICompatSettings>;

const vllmConfigProperties: Record<VllmOwnKeys, JsonSchema> = {
  max_tokens: { type: ['integer', 'null'], minimum: 1, default: 4096, description: 'Sent when a request sets neither max_tokens nor max_completion_tokens.' },
  api_token: { type: ['string', 'null'], description: 'The API token (Llama Stack\'s name for api_key here).' },
  tls_verify: { anyOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'null' }], deprecated: true, description: 'Deprecated: use network.tls.verify.' },
};

/** Adds the configured max_tokens to a chat request that bounds its length in neither field. */
function defaultMaxTokens(maxTokens: number): NonNullable<OpenAICompatExtensions['prepareChatRequest']> {
  return (request: ChatCompletionRequest) => (request.max_tokens == null && request.max_completion_tokens == null ? { ...request, max_tokens: maxTokens } : request);
}

/** A vLLM server's OpenAI-compatible endpoint; its health is vLLM's `/health` route, beside the `/v1` root. */
export const vllmPreset: OpenAICompatPreset<VllmSettings> = {
  providerType: 'remote::vllm',
  description: 'A vLLM server (its OpenAI-compatible endpoint, and /rerank).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'vllm_api_token',
  apiKeyEnv: 'VLLM_API_TOKEN',
  requiresApiKey: false,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'health',
  rerankEndpoint: 'root',
  configProperties: vllmConfigProperties,
  secretConfigKeys: ['api_token'],
  sampleConfig: {
    base_url: '${env.VLLM_URL:=}',
    max_tokens: '${env.VLLM_MAX_TOKENS:=4096}',
    api_token: '${env.VLLM_API_TOKEN:=fake}',
    network: { tls: { verify: '${env.VLLM_TLS_VERIFY:=true}' } },
  },
  configure(settings, { logger }) {
    const { max_tokens: maxTokens, api_token: apiToken, tls_verify: tlsVerify, ...shared } = settings;
    let network: NetworkConfig | null | undefined = shared.network;
    if (tlsVerify !== undefined && tlsVerify !== null) {
      logger.warn('tls_verify is deprecated; use network.tls.verify');
      network = { ...(network ?? {}), tls: { ...(network?.tls ?? {}), verify: tlsVerify } };
    }
    return {
      settings: { ...shared, api_key: shared.api_key ?? apiToken ?? null, network },
      extensions: maxTokens ? { prepareChatRequest: defaultMaxTokens(maxTokens) } : {},
    };
  },
};
