import type { JsonSchema } from '@cria/api';

/** Tavily's search endpoint. */
export const TAVILY_SEARCH_URL = 'https://api.tavily.com/search';

/** `remote::tavily-search` settings: Llama Stack's TavilySearchToolConfig plus Cria's `base_url` and `timeout_seconds`. */
export interface TavilySearchConfig {
  /** The Tavily API key; when empty, each request passes `tavily_search_api_key` in X-LlamaStack-Provider-Data. */
  api_key?: string | null;
  /** The most results a search returns (sent as Tavily's `max_results`). */
  max_results: number;
  /** The search endpoint: Tavily's, or a stand-in speaking its API. */
  base_url: string;
  /** Seconds a search may take before it fails with 504. */
  timeout_seconds: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    api_key: { type: ['string', 'null'], description: 'The Tavily Search API key; empty: requests pass tavily_search_api_key in X-LlamaStack-Provider-Data.' },
    max_results: { type: 'integer', minimum: 1, default: 3, description: 'The maximum number of results to return.' },
    base_url: { type: 'string', pattern: '^https?://', default: TAVILY_SEARCH_URL, description: 'The search endpoint of the Tavily API.' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Seconds a search may take.' },
  },
  additionalProperties: false,
};

export const sampleConfig = { api_key: '${env.TAVILY_SEARCH_API_KEY:=}', max_results: 3 };

/** The `X-LlamaStack-Provider-Data` field this provider reads (Llama Stack's TavilySearchToolProviderDataValidator). */
export const providerDataSchema: JsonSchema = {
  type: 'object',
  properties: {
    tavily_search_api_key: { type: 'string', description: 'The Tavily Search API key to search with, when the distribution sets none.' },
  },
};
