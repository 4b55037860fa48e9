import { type InsertChunksRequest, InvalidRequestError, type QueryChunksRequest, type VectorIOApi } from '@cria/api';
import type { Stack } from '@cria/core';
import { defineRoutes, type RouteInput } from '../server-routes.js';

/** The vector_io router, or a 400 when the distribution has no vector_io provider. */
export function vectorIo(stack: Stack): VectorIOApi {
  const router = stack.router<VectorIOApi>('vector_io');
  if (!router) throw new InvalidRequestError('This distribution serves no vector_io API (it has no vector_io provider).');
  return router;
}

export const vectorIoRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/v1/vector-io/insert',
    api: 'vector_io',
    operation: 'insertChunks',
    summary: 'Insert chunks into a vector store (those without an embedding are embedded with the store\'s model); answers 204.',
    requestBody: 'InsertChunksRequest',
    response: 'QueryChunksResponse',
    async handler({ body, context, stack }: RouteInput<InsertChunksRequest>) {
      await vectorIo(stack).insertChunks(body, context);
      return { json: null, status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/v1/vector-io/query',
    api: 'vector_io',
    operation: 'queryChunks',
    summary: 'Query a vector store\'s chunks: mode vector, keyword or hybrid (rrf or weighted), max_chunks, score_threshold, filters.',
    requestBody: 'QueryChunksRequest',
    response: 'QueryChunksResponse',
    async handler({ body, context, stack }: RouteInput<QueryChunksRequest>) {
      return { json: await vectorIo(stack).queryChunks(body, context) };
    },
  },
]);
