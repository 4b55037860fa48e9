import { apiSchemas, type JsonSchema, type NetworkConfig } from '@cria/api';

/**
 * Settings every OpenAI-compatible provider takes (Llama Stack's RemoteInferenceProviderConfig).
 * Presets add their own keys (vLLM's `max_tokens`, passthrough's `forward_headers`).
 */
export interface OpenAICompatSettings {
  /** The service's OpenAI-compatible root, e.g. `http://localhost:8000/v1`. */
  base_url?: string | null;
  /** Sent as `Authorization: Bearer <api_key>`; a request's provider data may override it. */
  api_key?: string | null;
  /** Only these provider model ids are listed and routed; all when unset. */
  allowed_models?: string[] | null;
  /** Fetch the model list again periodically (every 5 minutes). */
  refresh_models?: boolean;
  network?: NetworkConfig | null;
  /** vLLM: `max_tokens` sent when a request sets neither max_tokens nor max_completion_tokens. */
  max_tokens?: number | null;
  /** vLLM's name for api_key. */
  api_token?: string | null;
  /** Deprecated (vLLM): use network.tls.verify. */
  tls_verify?: boolean | string | null;
  /** Passthrough: provider-data keys to forward as HTTP headers, `{provider_data_key: Header-Name}`. */
  forward_headers?: Record<string, string> | null;
  /** Passthrough: more header names that may never be forwarded. */
  extra_blocked_headers?: string[];
}

const nullableString: JsonSchema = { type: ['string', 'null'] };

export const baseConfigProperties: Record<string, JsonSchema> = {
  base_url: { ...nullableString, description: 'The OpenAI-compatible API root of the service.' },
  api_key: { ...nullableString, description: 'The API key; requests may pass their own in X-LlamaStack-Provider-Data.' },
  allowed_models: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }], description: 'Provider model ids to expose; all when unset.' },
  refresh_models: { type: 'boolean', default: false, description: 'Re-list the provider\'s models every 5 minutes.' },
  network: { anyOf: [apiSchemas.definitions.NetworkConfig!, { type: 'null' }] },
};

export function configSchema(extra: Record<string, JsonSchema> = {}, required: string[] = []): JsonSchema {
  return { type: 'object', properties: { ...baseConfigProperties, ...extra }, required, additionalProperties: false };
}
