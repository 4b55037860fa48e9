import { defineProvider } from '@cria/api';
import { BuiltinResponses } from './responses-builtin.js';
import { type BuiltinResponsesConfig, configSchema, sampleConfig } from './responses-config.js';
import { configValidator } from '../generated/config-validator.js';

export type { BuiltinResponsesConfig } from './responses-config.js';

export default defineProvider<'responses', BuiltinResponsesConfig, 'inference', 'models' | 'tool_runtime' | 'vector_io' | 'conversations' | 'prompts' | 'files'>({
  api: 'responses',
  providerType: 'inline::builtin',
  description: 'OpenAI\'s Responses API run on the server: the model with function tools, file_search over vector stores, web_search and MCP servers; responses kept in SQL, continued by previous_response_id or a conversation.',
  configSchema,
  configValidator,
  sampleConfig,
  dependencies: ['inference'],
  optionalDependencies: ['models', 'tool_runtime', 'vector_io', 'conversations', 'prompts', 'files'],
  create: (config, context) => BuiltinResponses.create(config, context),
});
