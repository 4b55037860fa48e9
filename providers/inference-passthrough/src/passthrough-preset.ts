import type { JsonSchema } from '@cria/api';
import type { OpenAICompatExtensions, OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/**
 * Settings of `remote::passthrough`: the shared OpenAI-compatible settings (`base_url` may be
 * left out when every request passes `passthrough_url`) and the headers it forwards.
 */
export interface PassthroughSettings extends OpenAICompatSettings {
  /**
   * Provider-data keys forwarded as HTTP headers, `{provider_data_key: Header-Name}` (e.g.
   * `{"maas_api_token": "Authorization"}`); only listed keys are forwarded.
   */
  forward_headers?: Record<string, string> | null;
  /** Header names that may never be forwarded, besides the hop-by-hop and body headers always blocked. */
  extra_blocked_headers?: string[];
}

type PassthroughOwnKeys = Exclude<keyof PassthroughSettings, keyof OpenAICompatSettings>;

const passthroughConfigProperties: Record<PassthroughOwnKeys, JsonSchema> = {
  forward_headers: {
    anyOf: [{ type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9-]+$' } }, { type: 'null' }],
    description: 'Provider-data keys forwarded as HTTP headers: {"maas_api_token": "Authorization"}. Only listed keys are forwarded.',
  },
  extra_blocked_headers: { type: 'array', items: { type: 'string' }, default: [] },
};

/** Headers no forward_headers mapping may set: they belong to the connection or the body Cria sends. */
const BLOCKED_HEADERS: readonly string[] = ['host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'cookie', 'set-cookie', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'keep-alive'];

/** The headers a request's provider data sets through `forward_headers`, blocked names left out. */
function forwardedHeaders(forward: Readonly<Record<string, string>>, extraBlocked: readonly string[]): NonNullable<OpenAICompatExtensions['providerDataHeaders']> {
  const blocked = new Set([...BLOCKED_HEADERS, ...extraBlocked.map((name) => name.toLowerCase())]);
  const mapping = Object.entries(forward)
    .map(([key, header]) => [key, header.toLowerCase()] as const)
    .filter(([, header]) => !blocked.has(header));
  return (providerData) => {
    const headers: Record<string, string> = {};
    for (const [key, header] of mapping) {
      const value = providerData[key];
      if (typeof value === 'string') headers[header] = value;
    }
    return headers;
  };
}

/** Any OpenAI-compatible service, its URL and key given by the config or by each request's provider data. */
export const passthroughPreset: OpenAICompatPreset<PassthroughSettings> = {
  providerType: 'remote::passthrough',
  description: 'Any OpenAI-compatible service, with the URL and key optionally given per request (passthrough_url, passthrough_api_key).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'passthrough_api_key',
  providerDataBaseUrlField: 'passthrough_url',
  apiKeyEnv: 'PASSTHROUGH_API_KEY',
  requiresApiKey: false,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  configProperties: passthroughConfigProperties,
  sampleConfig: { base_url: '${env.PASSTHROUGH_URL}', api_key: '${env.PASSTHROUGH_API_KEY:=}' },
  configure(settings) {
    const { forward_headers: forward, extra_blocked_headers: extraBlocked, ...shared } = settings;
    return { settings: shared, extensions: forward ? { providerDataHeaders: forwardedHeaders(forward, extraBlocked ?? []) } : {} };
  },
};
