import { defineApi } from '@cria/api';
import { ScoringRouter } from './scoring-router.js';
import { scoringRoutes } from './scoring-routes.js';

/**
 * Llama Stack's ScoringFunctions and Scoring in one module: scoring functions are
 * `scoring_function` resources of the registry (each provider's built-in functions at every
 * start, POST /v1/scoring-functions, the distribution's registered_resources.scoring_fns), run on
 * rows given inline (score) or read from a dataset through the datasetio router (score-batch).
 */
export const scoringApi = defineApi({
  name: 'scoring',
  description: 'Scoring functions (registered resources) and scoring rows or whole datasets with them.',
  kind: 'providers',
  optionalDependencies: ['datasetio'],
  createRouter({ providers, registry, config, deps, logger }) {
    const configured = [...(config.registered_resources?.scoring_fns ?? []), ...(config.scoring_fns ?? [])];
    return new ScoringRouter(providers, registry, logger, configured, deps.datasetio ?? null);
  },
  routes: scoringRoutes,
});
