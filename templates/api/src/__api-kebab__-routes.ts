import { routesOf } from '@cria/api';

const route = routesOf('__api_name__');

/**
 * The API's HTTP routes. Each names the schemas of its body, query and reply: the server
 * validates requests against them before the handler runs, and lists the routes in
 * GET /v1/inspect/routes and /openapi.json.
 */
export const __apiName__Routes = [
  route({
    method: 'POST',
    path: '/v1/__api-kebab__/items',
    operation: 'create__ApiName__Item',
    summary: 'Keep a new item.',
    requestBody: '__ApiName__CreateItemRequest',
    response: '__ApiName__Item',
    async handler({ body, api, context }) {
      return { json: await api.createItem(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/__api-kebab__/items',
    operation: 'list__ApiName__Items',
    summary: 'The newest items of every provider.',
    query: '__ApiName__ListItemsQuery',
    response: '__ApiName__ItemList',
    async handler({ query, api, context }) {
      return { json: await api.listItems(query, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/__api-kebab__/items/{item_id}',
    operation: 'get__ApiName__Item',
    summary: 'One item.',
    response: '__ApiName__Item',
    async handler({ params, api, context }) {
      return { json: await api.getItem(params.item_id!, context) };
    },
  }),
];
