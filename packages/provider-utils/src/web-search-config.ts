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

/** What a web search provider's schemas say of its vendor. */
export interface WebSearchSchemaOptions {
  /** The vendor's search endpoint, the default `base_url`. */
  url: string;
  /** What `base_url` is, e.g. `The search endpoint of the Tavily API`. */
  endpoint: string;
  /** What `api_key` is, e.g. `The Tavily Search API key`. */
  apiKey: string;
  /** The vendor's name, e.g. `Tavily Search`. */
  vendor: string;
  /** The X-LlamaStack-Provider-Data field of a request's key, e.g. `tavily_search_api_key`. */
  providerDataKey: string;
}

/** The config schema of a web search provider (WebSearchConfig); any other key is refused. */
export function webSearchConfigSchema(options: WebSearchSchemaOptions): JsonSchema {
  return {
    type: 'object',
    properties: {
      api_key: { type: ['string', 'null'], description: `${options.apiKey}; empty: requests pass ${options.providerDataKey} in X-LlamaStack-Provider-Data.` },
      max_results: { type: 'integer', minimum: 1, default: 3, description: 'The maximum number of results to return.' },
      base_url: { type: 'string', pattern: '^https?://', default: options.url, description: `${options.endpoint}.` },
      timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Seconds a search may take.' },
    },
    additionalProperties: false,
  };
}

/** The `X-LlamaStack-Provider-Data` field a web search provider reads: the key to search with. */
export function webSearchProviderDataSchema(options: Pick<WebSearchSchemaOptions, 'vendor' | 'providerDataKey'>): JsonSchema {
  return {
    type: 'object',
    properties: {
      [options.providerDataKey]: { type: 'string', description: `The ${options.vendor} API key to search with, when the distribution sets none.` },
    },
  };
}
