import { type AgentsApi, defineApi } from '@cria/api';
import { singleProvider } from '../single-provider.js';
import { agentsRoutes } from './agents-routes.js';

/**
 * Llama Stack 0.2–0.3's Agents API (agents, sessions, turns, steps), served by one provider
 * (`inline::meta-reference`, which runs turns on the Responses engine). The router is that
 * provider, as for the responses API.
 */
export const agentsApi = defineApi({
  name: 'agents',
  description: 'Agents: a configured model with tools, run turn by turn in sessions (Llama Stack 0.2–0.3).',
  kind: 'providers',
  createRouter({ providers }): AgentsApi {
    return singleProvider('agents', providers);
  },
  routes: agentsRoutes,
});
