import { routesOf } from '@cria/api';

const route = routesOf('datasetio');

/** Llama Stack 0.7.1's datasets and datasetio routes (v1beta). */
export const datasetioRoutes = [
  route({
    method: 'GET',
    path: '/v1beta/datasets',
    operation: 'listDatasets',
    summary: 'The registered datasets.',
    response: 'ListDatasetsResponse',
    async handler({ api }) {
      return { json: await api.listDatasets() };
    },
  }),
  route({
    method: 'POST',
    path: '/v1beta/datasets',
    operation: 'registerDataset',
    summary: 'Register a dataset: purpose, source (uri or rows), metadata (provider_id picks the provider), dataset_id (generated when absent).',
    requestBody: 'RegisterDatasetRequest',
    response: 'Dataset',
    async handler({ body, api, context }) {
      return { json: await api.registerDataset(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1beta/datasets/{dataset_id...}',
    operation: 'getDataset',
    summary: 'One dataset.',
    response: 'Dataset',
    async handler({ params, api }) {
      return { json: await api.getDataset(params.dataset_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1beta/datasets/{dataset_id...}',
    operation: 'unregisterDataset',
    summary: 'Unregister a dataset (its appended rows go with it); answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.unregisterDataset(params.dataset_id!);
      return { json: null };
    },
  }),
  route({
    method: 'GET',
    path: '/v1beta/datasetio/iterrows/{dataset_id...}',
    operation: 'iterrows',
    summary: 'A page of rows: start_index (0-based), limit (all the rest when absent or -1); {data, has_more}.',
    query: 'IterRowsQuery',
    response: 'PaginatedResponse',
    async handler({ params, query, api, context }) {
      return { json: await api.iterrows(params.dataset_id!, query, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1beta/datasetio/append-rows/{dataset_id...}',
    operation: 'appendRows',
    summary: 'Append rows to a dataset; answers null.',
    requestBody: 'AppendRowsRequest',
    response: 'NullResponse',
    async handler({ params, body, api, context }) {
      await api.appendRows(params.dataset_id!, body.rows, context);
      return { json: null };
    },
  }),
];
