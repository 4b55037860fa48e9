import { defineProvider } from '@cria/api';
import { MetaReferenceAgents } from './agents-provider.js';
import { BuiltinResponses } from './responses-builtin.js';
import { type BuiltinResponsesConfig, configSchema, sampleConfig } from './responses-config.js';
import { configValidator } from '../generated/config-validator.js';

export type { BuiltinResponsesConfig } from './responses-config.js';

const responsesDescription =
  'OpenAI\'s Responses API run on the server: the model with function tools, file_search over vector stores, web_search and MCP servers; responses kept in SQL, continued by previous_response_id or a conversation.';
const agentsDescription =
  'Llama Stack 0.2–0.3\'s agents (agents, sessions, turns, steps) on the Responses engine: tool groups (web search, RAG, MCP) and client tools; agents and sessions kept in persistence.agent_state.';

/** The responses provider under a name; `inline::meta-reference` is Llama Stack 0.2–0.3's (its agents provider served responses). */
function responsesProvider(providerType: 'inline::builtin' | 'inline::meta-reference') {
  return defineProvider<'responses', BuiltinResponsesConfig, 'inference', 'models' | 'tool_runtime' | 'vector_io' | 'conversations' | 'prompts' | 'files' | 'safety'>({
    api: 'responses',
    providerType,
    description: responsesDescription,
    configSchema,
    configValidator,
    sampleConfig,
    dependencies: ['inference'],
    optionalDependencies: ['models', 'tool_runtime', 'vector_io', 'conversations', 'prompts', 'files', 'safety'],
    create: (config, context) => BuiltinResponses.create(config, context),
  });
}

/** The agents provider under a name: `inline::meta-reference` is Llama Stack's; `inline::builtin` names the same engine. */
function agentsProvider(providerType: 'inline::builtin' | 'inline::meta-reference') {
  return defineProvider<'agents', BuiltinResponsesConfig, 'inference', 'models' | 'tool_runtime' | 'vector_io' | 'safety'>({
    api: 'agents',
    providerType,
    description: agentsDescription,
    configSchema,
    configValidator,
    sampleConfig,
    dependencies: ['inference'],
    optionalDependencies: ['models', 'tool_runtime', 'vector_io', 'safety'],
    create: (config, context) => MetaReferenceAgents.create(config, context),
  });
}

export default [responsesProvider('inline::builtin'), responsesProvider('inline::meta-reference'), agentsProvider('inline::meta-reference'), agentsProvider('inline::builtin')];
