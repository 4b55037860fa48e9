import type { JsonSchema } from '@cria/api';

/** Brave Search's web search endpoint. */
export const BRAVE_SEARCH_URL = 'https://api.search.brave.com/res/v1/web/search';

/** `remote::brave-search` settings: Llama Stack's BraveSearchToolConfig plus Cria's `base_url` and `timeout_seconds`. */
export interface BraveSearchConfig {
  /** The Brave Search subscription token; when empty, each request passes `brave_search_api_key` in X-LlamaStack-Provider-Data. */
  api_key?: string | null;
  /** The most results a search returns (entries of Brave's `mixed.main` ranking). */
  max_results: number;
  /** The web search endpoint: Brave's, or a stand-in speaking its API. */
  base_url: string;
  /** Seconds a search may take before it fails with 504. */
  timeout_seconds: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    api_key: { type: ['string', 'null'], description: 'The Brave Search API key (subscription token); empty: requests pass brave_search_api_key in X-LlamaStack-Provider-Data.' },
    max_results: { type: 'integer', minimum: 1, default: 3, description: 'The maximum number of results to return.' },
    base_url: { type: 'string', pattern: '^https?://', default: BRAVE_SEARCH_URL, description: 'The web search endpoint of the Brave Search API.' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Seconds a search may take.' },
  },
  additionalProperties: false,
};

export const sampleConfig = { api_key: '${env.BRAVE_SEARCH_API_KEY:=}', max_results: 3 };

/** The `X-LlamaStack-Provider-Data` field this provider reads (Llama Stack's BraveSearchToolProviderDataValidator). */
export const providerDataSchema: JsonSchema = {
  type: 'object',
  properties: {
    brave_search_api_key: { type: 'string', description: 'The Brave Search API key to search with, when the distribution sets none.' },
  },
};
