import { InvalidRequestError, routesOf } from '@cria/api';

const route = routesOf('responses');

/** OpenAI's Responses routes, as Llama Stack 0.7.1 serves them. */
export const responsesRoutes = [
  route({
    method: 'POST',
    path: '/v1/responses',
    operation: 'createResponse',
    summary: 'Create a response: the server runs the model and its server-side tools (file_search, web_search, MCP) until an answer or a function call; with `stream: true`, server-sent response events.',
    requestBody: 'CreateResponseRequest',
    response: 'ResponseObject',
    streamEvent: 'ResponseStreamEvent',
    async handler({ body, context, api }) {
      if (body.stream_options && !body.stream) throw new InvalidRequestError('stream_options is only allowed when stream is true.', { param: 'stream_options' });
      if (body.stream) return { sse: await api.streamResponse(body, context), done: false, eventField: 'type' };
      return { json: await api.createResponse(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/responses',
    operation: 'listResponses',
    summary: 'List stored responses, newest first by default.',
    query: 'ListResponsesQuery',
    response: 'ResponseObjectList',
    async handler({ query, api }) {
      return { json: await api.listResponses(query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/responses/{response_id}',
    operation: 'getResponse',
    summary: 'A stored response.',
    query: 'GetResponseQuery',
    response: 'ResponseObject',
    async handler({ params, query, api }) {
      if (query.stream) throw new InvalidRequestError('Streaming a stored response again is not supported; GET it without stream.', { param: 'stream' });
      return { json: await api.getResponse(params.response_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/responses/{response_id}',
    operation: 'deleteResponse',
    summary: 'Delete a stored response.',
    response: 'DeletedResponse',
    async handler({ params, api }) {
      return { json: await api.deleteResponse(params.response_id!) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/responses/{response_id}/input_items',
    operation: 'listResponseInputItems',
    summary: 'The input items of a stored response, last first unless order=asc.',
    query: 'ListResponseInputItemsQuery',
    response: 'ResponseInputItemList',
    async handler({ params, query, api }) {
      return { json: await api.listInputItems(params.response_id!, query) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/responses/{response_id}/cancel',
    operation: 'cancelResponse',
    summary: 'Cancel a background response that is queued or in progress.',
    response: 'ResponseObject',
    async handler({ params, api }) {
      return { json: await api.cancelResponse(params.response_id!) };
    },
  }),
];
