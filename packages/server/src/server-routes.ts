import type { Readable } from 'node:stream';
import type { RequestContext } from '@cria/api';
import type { Stack } from '@cria/core';
import type { ParameterizedContext } from 'koa';

/** What a handler gets: the validated input and the request's context. */
export interface RouteInput<Body = any, Query = any> {
  body: Body;
  query: Query;
  params: Record<string, string>;
  context: RequestContext;
  stack: Stack;
  /** The koa context; absent on `hotPath` routes. */
  koa: ParameterizedContext;
}

/** A handler's answer: a JSON object, events to send as SSE, or bytes (a file's content). */
export type RouteResult =
  | { json: unknown; status?: number }
  | { sse: AsyncIterable<unknown>; done: boolean }
  | { stream: Readable; contentType: string; headers?: Record<string, string> };

/**
 * One route of the table. The table is the single source of the router, of request validation,
 * of GET /v1/inspect/routes and of /openapi.json.
 */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  /** OpenAPI-style path; `{name}` is one segment, `{name...}` the rest of the path (ids with `/`). */
  path: string;
  /** The API the route belongs to (for provider_types in /v1/inspect/routes). */
  api: string;
  /** A stable name, as an OpenAPI operationId. */
  operation: string;
  summary: string;
  /** Schema names from the API bundle. */
  requestBody?: string;
  /** For multipart/form-data uploads: the schema of the form fields (the handler reads the body). */
  requestForm?: string;
  query?: string;
  response: string;
  /** The response's media type when it is not JSON (a file's bytes). */
  responseContentType?: string;
  /** Whether `stream: true` answers with SSE of this schema. */
  streamEvent?: string;
  /** Routes that exist for the Llama Stack client but are deprecated there. */
  deprecated?: boolean;
  /**
   * Serve without koa's per-request context (POST, JSON body, no path parameters, handler does
   * not use `koa`): the inference hot path.
   */
  hotPath?: boolean;
  handler(input: RouteInput): Promise<RouteResult> | RouteResult;
}

export function defineRoutes(routes: RouteDefinition[]): RouteDefinition[] {
  return routes;
}
