import { NotFoundError } from '@cria/api';
import { toModelObject } from '@cria/core';
import { defineRoutes } from '../server-routes.js';

export const modelsRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/v1/models',
    api: 'models',
    operation: 'listModels',
    summary: 'The models this server routes (OpenAI and Llama Stack fields in one object).',
    response: 'ModelList',
    async handler({ stack }) {
      await stack.models.whenListed();
      return { json: { object: 'list', data: stack.models.list().map(toModelObject) } };
    },
  },
  {
    method: 'GET',
    path: '/v1/models/{model_id...}',
    api: 'models',
    operation: 'getModel',
    summary: 'One model, by identifier or alias; identifiers may contain `/`.',
    response: 'Model',
    async handler({ params, stack }) {
      await stack.models.whenListed();
      const model = stack.models.lookup(params.model_id!);
      if (!model) throw new NotFoundError('model', params.model_id!, `The model '${params.model_id}' does not exist.`, { code: 'model_not_found', param: 'model_id' });
      return { json: toModelObject(model) };
    },
  },
]);
