import { defineProvider } from '@cria/api';
import { configSchema, providerDataSchema, sampleConfig, type TavilySearchConfig } from './tavily-search-config.js';
import { TavilySearchToolRuntime } from './tavily-search-tool-runtime.js';
import { configValidator } from '../generated/config-validator.js';

export { TAVILY_SEARCH_URL, type TavilySearchConfig } from './tavily-search-config.js';
export { TavilySearchToolRuntime } from './tavily-search-tool-runtime.js';
export { WEB_SEARCH_TOOL } from '@cria/provider-utils';

export default defineProvider<'tool_runtime', TavilySearchConfig>({
  api: 'tool_runtime',
  providerType: 'remote::tavily-search',
  description: 'Web search with the Tavily Search API: serves the built-in tool group builtin::websearch (its tool web_search).',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['api_key'],
  providerDataSchema,
  create: (config) => new TavilySearchToolRuntime(config),
});
