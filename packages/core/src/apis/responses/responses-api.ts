import { defineApi, type ResponsesApi } from '@cria/api';
import { singleProvider } from '../single-provider.js';
import { responsesRoutes } from './responses-routes.js';

/**
 * OpenAI's Responses API, served by one provider (Llama Stack's `inline::builtin`, which runs
 * the agentic loop over inference, tool runtime and vector stores). The router is that provider:
 * the API has no routing table, as Llama Stack's has none.
 */
export const responsesApi = defineApi({
  name: 'responses',
  description: 'Responses: one call runs the model with tools (function, file_search, web_search, MCP) and keeps the result.',
  kind: 'providers',
  createRouter({ providers }): ResponsesApi {
    return singleProvider('responses', providers);
  },
  routes: responsesRoutes,
});
