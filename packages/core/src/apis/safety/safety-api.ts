import { defineApi } from '@cria/api';
import { SafetyRouter } from './safety-router.js';
import { safetyRoutes } from './safety-routes.js';

/**
 * Llama Stack's shields and safety: shields are `shield` resources of the registry (POST
 * /v1/shields, or the distribution's registered_resources.shields), run at their provider by
 * run-shield, by OpenAI's moderations, and by the agents layer's guardrails.
 */
export const safetyApi = defineApi({
  name: 'safety',
  description: 'Shields (registered resources), run-shield, moderations, and guardrails for responses and agents.',
  kind: 'providers',
  createRouter({ providers, registry, logger, config }) {
    const configured = [...(config.registered_resources?.shields ?? []), ...(config.shields ?? [])];
    return new SafetyRouter(providers, registry, logger, configured, config.safety ?? null);
  },
  routes: safetyRoutes,
});
