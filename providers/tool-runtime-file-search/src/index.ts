import { defineProvider } from '@cria/api';
import { configSchema, type FileSearchToolRuntimeConfig, sampleConfig } from './file-search-config.js';
import { FileSearchToolRuntime } from './file-search-tool-runtime.js';
import { configValidator } from '../generated/config-validator.js';

export type { FileSearchToolRuntimeConfig } from './file-search-config.js';
export { FILE_SEARCH_TOOL_GROUP, FILE_SEARCH_TOOLS, FileSearchToolRuntime } from './file-search-tool-runtime.js';
export { type FileSearchHit, formatFileSearchHits } from './file-search-results.js';
export { extractFileCitations, type FileCitation, type FileSearchToolOutput, formatVectorStoreSearchResults } from './file-search-responses.js';
export { DEFAULT_FILE_SEARCH_TEMPLATES, DEFAULT_MAX_TOKENS_IN_CONTEXT, type FileSearchTemplates, fileSearchTemplates } from './file-search-templates.js';
export { pythonFloat, pythonFormat, pythonRepr, TemplateFormatError } from './file-search-python-format.js';

export default defineProvider<'tool_runtime', FileSearchToolRuntimeConfig, 'vector_io'>({
  api: 'tool_runtime',
  providerType: 'inline::file-search',
  description: 'The builtin::file_search tool group: its file_search tool searches vector stores and frames the best chunks with the distribution\'s vector_stores templates, as Llama Stack does.',
  configSchema,
  configValidator,
  sampleConfig,
  dependencies: ['vector_io'],
  create: (config, context) => FileSearchToolRuntime.create(config, context),
});
