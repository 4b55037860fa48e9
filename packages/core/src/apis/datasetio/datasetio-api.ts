import { defineApi } from '@cria/api';
import { DatasetIORouter } from './datasetio-router.js';
import { datasetioRoutes } from './datasetio-routes.js';

/**
 * Llama Stack's Datasets and DatasetIO: datasets are `dataset` resources of the registry (POST
 * /v1beta/datasets, or the distribution's registered_resources.datasets), read page by page and
 * appended to at their provider.
 */
export const datasetioApi = defineApi({
  name: 'datasetio',
  description: 'Datasets (registered resources), their rows page by page, and appending rows.',
  kind: 'providers',
  createRouter({ providers, registry, config }) {
    const configured = [...(config.registered_resources?.datasets ?? []), ...(config.datasets ?? [])];
    return new DatasetIORouter(providers, registry, configured);
  },
  routes: datasetioRoutes,
});
