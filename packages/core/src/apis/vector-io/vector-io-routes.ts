import { routesOf } from '@cria/api';

const route = routesOf('vector_io');

export const vectorIoRoutes = [
  route({
    method: 'POST',
    path: '/v1/vector-io/insert',
    operation: 'insertChunks',
    summary: 'Insert chunks into a vector store (those without an embedding are embedded with the store\'s model); answers 204.',
    requestBody: 'InsertChunksRequest',
    response: 'QueryChunksResponse',
    async handler({ body, context, api }) {
      await api.insertChunks(body, context);
      return { status: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/vector-io/query',
    operation: 'queryChunks',
    summary: 'Query a vector store\'s chunks: mode vector, keyword or hybrid (rrf or weighted), max_chunks, score_threshold, filters.',
    requestBody: 'QueryChunksRequest',
    response: 'QueryChunksResponse',
    async handler({ body, context, api }) {
      return { json: await api.queryChunks(body, context) };
    },
  }),
];
