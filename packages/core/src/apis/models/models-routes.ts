import { routesOf } from '@cria/api';

const route = routesOf('models');

export const modelsRoutes = [
  route({
    method: 'GET',
    path: '/v1/models',
    operation: 'listModels',
    summary: 'The models this server routes (OpenAI and Llama Stack fields in one object).',
    response: 'ModelList',
    async handler({ api, context }) {
      return { json: await api.listModels(context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/models/{model_id...}',
    operation: 'getModel',
    summary: 'One model, by identifier or alias; identifiers may contain `/`.',
    response: 'Model',
    async handler({ params, api }) {
      return { json: await api.getModel(params.model_id!) };
    },
  }),
];
