import { defineApi } from '@cria/api';
import { EvalRouter } from './eval-router.js';
import { evalRoutes } from './eval-routes.js';

/**
 * Llama Stack's Benchmarks and Eval in one module: benchmarks are `benchmark` resources of the
 * registry (POST /v1alpha/eval/benchmarks, or the distribution's registered_resources.benchmarks),
 * each a dataset (datasetio) and scoring functions (scoring); their provider generates with a
 * candidate and scores, on rows given inline or as a background job over the dataset.
 */
export const evalApi = defineApi({
  name: 'eval',
  description: 'Benchmarks (registered resources), evaluating rows, and eval jobs over a benchmark\'s dataset.',
  kind: 'providers',
  dependencies: ['datasetio', 'scoring'],
  createRouter({ providers, registry, config, deps, logger }) {
    const configured = [...(config.registered_resources?.benchmarks ?? []), ...(config.benchmarks ?? [])];
    return new EvalRouter(providers, registry, logger, configured, deps.datasetio, deps.scoring);
  },
  routes: evalRoutes,
});
