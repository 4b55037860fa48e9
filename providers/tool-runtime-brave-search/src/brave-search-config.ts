import type { JsonSchema } from '@cria/api';
import { type WebSearchConfig, webSearchConfigSchema, webSearchProviderDataSchema } from '@cria/provider-utils';

/** Brave Search's web search endpoint. */
export const BRAVE_SEARCH_URL = 'https://api.search.brave.com/res/v1/web/search';

/**
 * `remote::brave-search` settings: Llama Stack's BraveSearchToolConfig plus Cria's `base_url` and
 * `timeout_seconds`. `api_key` is the subscription token (else each request passes
 * `brave_search_api_key` in X-LlamaStack-Provider-Data); `max_results` counts entries of Brave's
 * `mixed.main` ranking.
 */
export type BraveSearchConfig = WebSearchConfig;

const schemaOptions = {
  url: BRAVE_SEARCH_URL,
  endpoint: 'The web search endpoint of the Brave Search API',
  apiKey: 'The Brave Search API key (subscription token)',
  vendor: 'Brave Search',
  providerDataKey: 'brave_search_api_key',
};

export const configSchema: JsonSchema = webSearchConfigSchema(schemaOptions);

export const sampleConfig = { api_key: '${env.BRAVE_SEARCH_API_KEY:=}', max_results: 3 };

/** The `X-LlamaStack-Provider-Data` field this provider reads (Llama Stack's BraveSearchToolProviderDataValidator). */
export const providerDataSchema: JsonSchema = webSearchProviderDataSchema(schemaOptions);
