import { defineProvider } from '@cria/api';
import { type BraveSearchConfig, configSchema, providerDataSchema, sampleConfig } from './brave-search-config.js';
import { BraveSearchToolRuntime } from './brave-search-tool-runtime.js';
import { configValidator } from '../generated/config-validator.js';

export { BRAVE_SEARCH_URL, type BraveSearchConfig } from './brave-search-config.js';
export { braveSearchContent } from './brave-search-results.js';
export { BraveSearchToolRuntime } from './brave-search-tool-runtime.js';
export { WEB_SEARCH_TOOL } from '@cria/provider-utils';

export default defineProvider<'tool_runtime', BraveSearchConfig>({
  api: 'tool_runtime',
  providerType: 'remote::brave-search',
  description: 'Web search with the Brave Search API: serves the built-in tool group builtin::websearch (its tool web_search).',
  configSchema,
  configValidator,
  sampleConfig,
  secretConfigKeys: ['api_key'],
  providerDataSchema,
  create: (config) => new BraveSearchToolRuntime(config),
});
