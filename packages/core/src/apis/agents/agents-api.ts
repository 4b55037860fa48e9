import { type AgentsApi, ConfigError, defineApi } from '@cria/api';
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
    const [provider, ...others] = providers;
    if (!provider || others.length > 0) {
      throw new ConfigError('providers.agents', `The agents API takes one provider; the distribution enables ${providers.map((handle) => handle.providerId).join(', ') || 'none'}.`);
    }
    return provider.impl;
  },
  routes: agentsRoutes,
});
