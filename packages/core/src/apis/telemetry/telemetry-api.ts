import { defineApi } from '@cria/api';
import { TelemetryRouter } from './telemetry-router.js';
import { telemetryRoutes } from './telemetry-routes.js';

/**
 * Telemetry: traces, metrics and the trace store. Its providers are fed by the request
 * pipeline's hooks (the router's `pipelineObservers`, which the server adds to every route), so
 * the fast inference path is covered like any other; GET /metrics and Llama Stack 0.2's
 * /v1/telemetry/* queries are answered by the providers that have them.
 */
export const telemetryApi = defineApi({
  name: 'telemetry',
  description: 'OpenTelemetry traces and metrics fed by the request pipeline, Prometheus metrics at /metrics, and Llama Stack 0.2\'s trace queries.',
  kind: 'providers',
  createRouter({ providers }) {
    return new TelemetryRouter(providers);
  },
  routes: telemetryRoutes,
});
