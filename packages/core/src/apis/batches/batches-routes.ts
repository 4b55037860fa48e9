import { routesOf } from '@cria/api';

const route = routesOf('batches');

/** OpenAI's Batches routes, as Llama Stack 0.7.1 serves them. */
export const batchesRoutes = [
  route({
    method: 'POST',
    path: '/v1/batches',
    operation: 'createBatch',
    summary: 'Create a batch from a JSONL file (purpose `batch`) of requests to one endpoint; it runs in the background.',
    requestBody: 'CreateBatchRequest',
    response: 'Batch',
    async handler({ body, api, context }) {
      return { json: await api.createBatch(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/batches',
    operation: 'listBatches',
    summary: 'List batches, newest first.',
    query: 'ListBatchesQuery',
    response: 'ListBatchesResponse',
    async handler({ query, api }) {
      return { json: await api.listBatches(query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/batches/{batch_id}',
    operation: 'retrieveBatch',
    summary: 'A batch: its status, request counts and files.',
    response: 'Batch',
    async handler({ params, api }) {
      return { json: await api.retrieveBatch(params.batch_id!) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/batches/{batch_id}/cancel',
    operation: 'cancelBatch',
    summary: 'Cancel a batch: it is `cancelling` until the lines in flight stop, then `cancelled`, with the results it has.',
    response: 'Batch',
    async handler({ params, api }) {
      return { json: await api.cancelBatch(params.batch_id!) };
    },
  }),
];
