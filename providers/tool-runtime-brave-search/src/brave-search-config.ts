import { type WebSearchConfig, webSearchSchemas, type WebSearchVendor } from '@cria/provider-utils';

/** Brave Search's web search endpoint. */
export const BRAVE_SEARCH_URL = 'https://api.search.brave.com/res/v1/web/search';

/**
 * `remote::brave-search` settings: Llama Stack's BraveSearchToolConfig plus Cria's `base_url` and
 * `timeout_seconds`. `api_key` is the subscription token (else each request passes
 * `brave_search_api_key` in X-LlamaStack-Provider-Data, Llama Stack's
 * BraveSearchToolProviderDataValidator); `max_results` counts entries of Brave's `mixed.main` ranking.
 */
export type BraveSearchConfig = WebSearchConfig;

/** Brave Search as `remote::brave-search` names it. */
export const BRAVE_SEARCH: WebSearchVendor = {
  providerType: 'remote::brave-search',
  name: 'Brave Search',
  url: BRAVE_SEARCH_URL,
  endpoint: 'The web search endpoint of the Brave Search API',
  apiKey: 'The Brave Search API key (subscription token)',
  providerDataKey: 'brave_search_api_key',
  apiKeyVariable: 'BRAVE_SEARCH_API_KEY',
};

export const { configSchema, sampleConfig, providerDataSchema } = webSearchSchemas(BRAVE_SEARCH);
