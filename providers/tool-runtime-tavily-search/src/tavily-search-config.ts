import { type WebSearchConfig, webSearchSchemas, type WebSearchVendor } from '@cria/provider-utils';

/** Tavily's search endpoint. */
export const TAVILY_SEARCH_URL = 'https://api.tavily.com/search';

/**
 * `remote::tavily-search` settings: Llama Stack's TavilySearchToolConfig plus Cria's `base_url` and
 * `timeout_seconds`. `api_key` is the Tavily API key (else each request passes
 * `tavily_search_api_key` in X-LlamaStack-Provider-Data, Llama Stack's
 * TavilySearchToolProviderDataValidator); `max_results` is sent as Tavily's.
 */
export type TavilySearchConfig = WebSearchConfig;

/** Tavily Search as `remote::tavily-search` names it. */
export const TAVILY_SEARCH: WebSearchVendor = {
  providerType: 'remote::tavily-search',
  name: 'Tavily Search',
  url: TAVILY_SEARCH_URL,
  endpoint: 'The search endpoint of the Tavily API',
  apiKey: 'The Tavily Search API key',
  providerDataKey: 'tavily_search_api_key',
  apiKeyVariable: 'TAVILY_SEARCH_API_KEY',
};

export const { configSchema, sampleConfig, providerDataSchema } = webSearchSchemas(TAVILY_SEARCH);
