import { type BatchesApi, defineApi } from '@cria/api';
import { singleProvider } from '../single-provider.js';
import { batchesRoutes } from './batches-routes.js';

/**
 * OpenAI's Batches API, served by one provider (Llama Stack's `inline::reference`), which runs
 * each line through the server's own inference and responses routers. As in Llama Stack, the API
 * has no routing table: the router is that provider.
 */
export const batchesApi = defineApi({
  name: 'batches',
  description: 'Batches: a JSONL file of requests run in the background, answered by output and error files.',
  kind: 'providers',
  createRouter({ providers }): BatchesApi {
    return singleProvider('batches', providers);
  },
  routes: batchesRoutes,
});
