import type { JsonSchema } from '@cria/api';
import { type WebSearchConfig, webSearchConfigSchema, webSearchProviderDataSchema } from '@cria/provider-utils';

/** Tavily's search endpoint. */
export const TAVILY_SEARCH_URL = 'https://api.tavily.com/search';

/**
 * `remote::tavily-search` settings: Llama Stack's TavilySearchToolConfig plus Cria's `base_url` and
 * `timeout_seconds`. `api_key` is the Tavily API key (else each request passes
 * `tavily_search_api_key` in X-LlamaStack-Provider-Data); `max_results` is sent as Tavily's.
 */
export type TavilySearchConfig = WebSearchConfig;

const schemaOptions = {
  url: TAVILY_SEARCH_URL,
  endpoint: 'The search endpoint of the Tavily API',
  apiKey: 'The Tavily Search API key',
  vendor: 'Tavily Search',
  providerDataKey: 'tavily_search_api_key',
};

export const configSchema: JsonSchema = webSearchConfigSchema(schemaOptions);

export const sampleConfig = { api_key: '${env.TAVILY_SEARCH_API_KEY:=}', max_results: 3 };

/** The `X-LlamaStack-Provider-Data` field this provider reads (Llama Stack's TavilySearchToolProviderDataValidator). */
export const providerDataSchema: JsonSchema = webSearchProviderDataSchema(schemaOptions);
