import type { JsonSchema } from '@cria/api';

/**
 * Settings every web search provider (`remote::brave-search`, `remote::tavily-search`) takes:
 * Llama Stack's `api_key` and `max_results`, plus Cria's `base_url` and `timeout_seconds`.
 */
export interface WebSearchConfig {
  /** The vendor's API key; when empty, each request passes its own in X-LlamaStack-Provider-Data. */
  api_key?: string | null;
  /** The most results a search returns. */
  max_results: number;
  /** The search endpoint: the vendor's, or a stand-in speaking its API. */
  base_url: string;
  /** Seconds a search may take before it fails with 504. */
  timeout_seconds: number;
}

/** A web search vendor, as a provider's schemas, settings and errors name it. */
export interface WebSearchVendor {
  /** The provider type, e.g. `remote::tavily-search`. */
  providerType: string;
  /** The vendor's name, e.g. `Tavily Search`. */
  name: string;
  /** The vendor's search endpoint, the default `base_url`. */
  url: string;
  /** What `base_url` is, e.g. `The search endpoint of the Tavily API`. */
  endpoint: string;
  /** What `api_key` is, e.g. `The Tavily Search API key`. */
  apiKey: string;
  /** The X-LlamaStack-Provider-Data field of a request's key, e.g. `tavily_search_api_key`. */
  providerDataKey: string;
  /** The variable the sample config takes `api_key` from, e.g. `TAVILY_SEARCH_API_KEY`. */
  apiKeyVariable: string;
}

/** A web search provider's definition parts: its config schema (WebSearchConfig; any other key is refused), sample config and provider data schema. */
export interface WebSearchSchemas {
  configSchema: JsonSchema;
  sampleConfig: { api_key: string; max_results: number };
  /** The `X-LlamaStack-Provider-Data` field the provider reads: the key to search with. */
  providerDataSchema: JsonSchema;
}

/** The schemas and sample config of the web search provider on `vendor`. */
export function webSearchSchemas(vendor: WebSearchVendor): WebSearchSchemas {
  return {
    configSchema: {
      type: 'object',
      properties: {
        api_key: { type: ['string', 'null'], description: `${vendor.apiKey}; empty: requests pass ${vendor.providerDataKey} in X-LlamaStack-Provider-Data.` },
        max_results: { type: 'integer', minimum: 1, default: 3, description: 'The maximum number of results to return.' },
        base_url: { type: 'string', pattern: '^https?://', default: vendor.url, description: `${vendor.endpoint}.` },
        timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Seconds a search may take.' },
      },
      additionalProperties: false,
    },
    sampleConfig: { api_key: `\${env.${vendor.apiKeyVariable}:=}`, max_results: 3 },
    providerDataSchema: {
      type: 'object',
      properties: {
        [vendor.providerDataKey]: { type: 'string', description: `The ${vendor.name} API key to search with, when the distribution sets none.` },
      },
    },
  };
}
