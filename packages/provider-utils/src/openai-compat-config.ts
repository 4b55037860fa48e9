import { apiSchemas, type JsonSchema, type NetworkConfig } from '@cria/api';

/**
 * Settings every OpenAI-compatible provider takes (Llama Stack's RemoteInferenceProviderConfig).
 * A provider package extends it with its own keys (vLLM's `max_tokens`, passthrough's
 * `forward_headers`), declared in its preset's `configProperties`.
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
  /** Timeouts, TLS, proxy and extra headers of the connection to the service. */
  network?: NetworkConfig | null;
}

const nullableString: JsonSchema = { type: ['string', 'null'] };

/** The JSON Schema of each key of OpenAICompatSettings. */
export const openAICompatConfigProperties: Readonly<Record<keyof OpenAICompatSettings, JsonSchema>> = {
  base_url: { ...nullableString, description: 'The OpenAI-compatible API root of the service.' },
  api_key: { ...nullableString, description: 'The API key; requests may pass their own in X-LlamaStack-Provider-Data.' },
  allowed_models: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }], description: 'Provider model ids to expose; all when unset.' },
  refresh_models: { type: 'boolean', default: false, description: 'Re-list the provider\'s models every 5 minutes.' },
  network: { anyOf: [apiSchemas.definitions.NetworkConfig!, { type: 'null' }] },
};

/**
 * The config schema of an OpenAI-compatible provider: the shared keys plus the provider's own
 * (`extra`); any other key is refused, so a misspelt one is reported rather than ignored.
 */
export function openAICompatConfigSchema(extra: Readonly<Record<string, JsonSchema>> = {}, required: readonly string[] = []): JsonSchema {
  return { type: 'object', properties: { ...openAICompatConfigProperties, ...extra }, required: [...required], additionalProperties: false };
}
