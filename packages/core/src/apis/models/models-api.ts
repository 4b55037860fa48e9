import { defineApi } from '@cria/api';
import { ModelsRoutingTable } from '../inference/models-routing-table.js';
import { modelsRoutes } from './models-routes.js';

/**
 * Llama Stack's models API: the routing table of models over the inference providers, kept in
 * the resource registry. The inference router resolves every request's model through it.
 */
export const modelsApi = defineApi({
  name: 'models',
  description: 'The models this server routes: registered in the distribution or listed by the inference providers.',
  kind: 'core',
  providersOf: 'inference',
  createRouter({ providers, registry, logger, config, storeRef, store }) {
    const registered = [...(config.registered_resources?.models ?? []), ...(config.models ?? [])];
    return new ModelsRoutingTable(providers, registry, logger, {
      configured: registered,
      legacyStore: storeRef('metadata') ? store('metadata', 'kv') : null,
    });
  },
  routes: modelsRoutes,
});
