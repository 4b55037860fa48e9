import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::anthropic`: the shared OpenAI-compatible settings; `base_url` defaults to Anthropic's API. */
export type AnthropicSettings = OpenAICompatSettings;

/** The Anthropic API version sent with every request (Anthropic requires the header). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** The model ids of a `GET /v1/models` reply (`{data: [{type: 'model', id, display_name, created_at}], has_more, ...}`). */
function anthropicModelIds(reply: unknown): string[] {
  const models = (reply as { data?: { id?: unknown }[] } | null)?.data;
  return Array.isArray(models) ? models.map((model) => model?.id).filter((id): id is string => typeof id === 'string') : [];
}

/**
 * Anthropic's Claude models through Anthropic's OpenAI-compatible endpoint (`/v1/chat/completions`).
 * The model list is Anthropic's own `GET /v1/models` (as Llama Stack lists it, through
 * Anthropic's SDK), which authenticates with `x-api-key` and `anthropic-version`: both are sent
 * with every request besides the bearer token. Anthropic hosts no embedding models.
 */
export const anthropicPreset: OpenAICompatPreset<AnthropicSettings> = {
  providerType: 'remote::anthropic',
  description: 'Anthropic (its OpenAI-compatible endpoint).',
  defaultBaseUrl: 'https://api.anthropic.com/v1',
  providerDataApiKeyField: 'anthropic_api_key',
  apiKeyEnv: 'ANTHROPIC_API_KEY',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { api_key: '${env.ANTHROPIC_API_KEY:=}' },
  configure(settings) {
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...(settings.network?.headers ?? {}) };
    if (settings.api_key) headers['x-api-key'] = settings.api_key;
    return {
      settings: { ...settings, network: { ...(settings.network ?? {}), headers } },
      extensions: {
        // Anthropic pages its model list, 20 by default; 1000 is its largest page.
        modelList: { url: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/models?limit=1000`, idsOf: anthropicModelIds },
        providerDataHeaders(providerData) {
          const key = providerData.anthropic_api_key;
          return typeof key === 'string' ? { 'x-api-key': key } : undefined;
        },
      },
    };
  },
};
