import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import {
  type ApiName,
  type ApiRouter,
  InvalidRequestError,
  MethodNotAllowedError,
  type MultipartUpload,
  NotFoundError,
  type ProviderLogger,
  type RouteDefinition,
  type RouteInput,
  type RouteResult,
} from '@cria/api';
import type { Stack } from '@cria/core';
import { readJsonBody } from './server-body.js';
import { type HookRegistrations, HookSet, runRequestHooks } from './server-hooks.js';
import { readMultipartForm } from './server-multipart.js';
import { writeError, writeResult } from './server-reply.js';
import { ServerRequest } from './server-request.js';
import { type RouteValidators, routeValidators } from './server-validators.js';

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
const METHODS: readonly HTTPMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface PipelineOptions {
  logger: ProviderLogger;
  /** Largest JSON body accepted, in bytes (413 beyond). */
  bodyLimitBytes?: number;
  hooks?: HookRegistrations;
  /** Routes besides the stack's (GET /openapi.json, tests' own). */
  extraRoutes?: readonly RouteDefinition[];
}

/** A route with what the pipeline prepared for it. */
interface MountedRoute {
  route: RouteDefinition;
  validators: RouteValidators;
  /** The name of the route's rest-of-path parameter (`model_id` of `{model_id...}`), if any. */
  rest: string | null;
  /** The API's router, resolved from the container on first use. */
  api?: ApiRouter<ApiName>;
}

/** `{model_id...}` -> `*` (rest of the path), `{id}` -> `:id` (one segment). */
function routerPath(path: string): string {
  return path.replace(/\{([a-z_]+)\.\.\.\}/g, '*').replace(/\{([a-z_]+)\}/g, ':$1');
}

/** The wildcard's name in a path (`model_id` of `{model_id...}`). */
function restParam(path: string): string | null {
  return /\{([a-z_]+)\.\.\.\}/.exec(path)?.[1] ?? null;
}

/**
 * The request pipeline every route goes through: onRequest hooks, routing (404/405 in OpenAI's
 * envelope), the body read once (JSON, or a streamed multipart upload), preValidation, the
 * precompiled validators (a 400 naming the field), preHandler, the API's router, onSend, the
 * reply (JSON, SSE, bytes), and onError / onResponse. The inference hot path is no exception.
 */
export class RequestPipeline {
  readonly hooks = new HookSet();
  private readonly router = FindMyWay<FindMyWay.HTTPVersion.V1>({ ignoreTrailingSlash: true, caseSensitive: true });
  private readonly mounted: MountedRoute[] = [];
  private readonly bodyLimit: number;
  private readonly logger: ProviderLogger;

  constructor(
    private readonly stack: Stack,
    readonly routes: readonly RouteDefinition[],
    options: PipelineOptions,
  ) {
    this.logger = options.logger;
    this.bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    if (options.hooks) this.hooks.add(options.hooks);
    for (const route of routes) {
      const mounted: MountedRoute = { route, validators: routeValidators(route), rest: restParam(route.path) };
      this.mounted.push(mounted);
      this.router.on(route.method, routerPath(route.path), () => undefined, mounted);
    }
  }

  /** The node:http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const request = new ServerRequest(req, res, this.stack, this.logger);
    // One listener for both: the request's abort when the client goes away, and onResponse hooks.
    res.once('close', () => {
      request.closed();
      if (this.hooks.onResponse.length) this.responded(request);
    });
    this.run(request).catch((error: unknown) => this.fail(request, error));
  };

  /** Compiles the validators of the POST routes, so their first requests do not pay for it. */
  warmUp(): void {
    for (const { route, validators } of this.mounted) if (route.method === 'POST') validators.body?.warm();
  }

  private async run(request: ServerRequest): Promise<void> {
    const hooks = this.hooks;
    if (hooks.onRequest.length) {
      const pending = runRequestHooks(hooks.onRequest, request);
      if (pending) await pending;
      if (request.replied) return;
    }
    const mounted = this.match(request);
    const { route, validators } = mounted;
    request.route = route;
    if (validators.body) request.body = await readJsonBody(request.raw, this.bodyLimit);
    if (validators.query) request.query = { ...parseQuery(request.rawQuery) };
    if (hooks.preValidation.length) {
      const pending = runRequestHooks(hooks.preValidation, request);
      if (pending) await pending;
      if (request.replied) return;
    }
    if (validators.body) request.body = validators.body(request.body);
    if (validators.query) request.query = validators.query(request.query);
    if (hooks.preHandler.length) {
      const pending = runRequestHooks(hooks.preHandler, request);
      if (pending) await pending;
      if (request.replied) return;
    }
    const result = await route.handler(this.input(request, mounted));
    if (hooks.onSend.length) {
      for (const hook of hooks.onSend) {
        const pending = hook(request, result);
        if (pending) await pending;
      }
    }
    await writeResult(request, result, this.logger);
  }

  /** What the route's handler receives. */
  private input(request: ServerRequest, mounted: MountedRoute): RouteInput<ApiName, unknown, unknown, unknown> {
    const { route } = mounted;
    return {
      body: request.body,
      query: request.query,
      params: request.params,
      headers: request.headers,
      context: request.context,
      api: (mounted.api ??= this.stack.requireApi(route.api)),
      form: route.requestForm ? this.upload(request, mounted) : NO_FORM,
    };
  }

  /** The route for the request's method and path; 404 or 405 in the envelope otherwise. */
  private match(request: ServerRequest): MountedRoute {
    const method = request.method as HTTPMethod;
    const found = METHODS.includes(method) ? this.router.find(method, request.path) : null;
    if (found?.store) {
      const mounted = found.store as MountedRoute;
      let params: Record<string, string> | null = null;
      for (const name in found.params) {
        const value = found.params[name];
        if (value !== undefined) (params ??= {})[name === '*' && mounted.rest ? mounted.rest : name] = value;
      }
      if (params) request.params = params;
      return mounted;
    }
    const allowed = METHODS.filter((candidate) => candidate !== method && this.router.find(candidate, request.path));
    if (allowed.length) throw new MethodNotAllowedError(`Method ${request.method} is not allowed on ${request.path} (allowed: ${allowed.join(', ')}).`);
    throw new NotFoundError('route', request.path, `Invalid URL (${request.method} ${request.path})`, { code: 'unknown_url' });
  }

  /**
   * A multipart upload, parsed as it streams and only once the handler asks for it (so it can
   * refuse a declared size first). If the request fails before the form is read whole, the rest
   * of the body is discarded and the connection closed after the answer.
   */
  private upload(request: ServerRequest, mounted: MountedRoute): MultipartUpload<unknown> {
    const contentType = request.headers['content-type'];
    if (!contentType?.toLowerCase().startsWith('multipart/form-data')) {
      throw new InvalidRequestError(`Send the upload as multipart/form-data with a 'file' part and a 'purpose' field (got '${contentType ?? 'no content type'}').`);
    }
    let form: ReturnType<typeof readMultipartForm> | undefined;
    const started = () => (form ??= readMultipartForm(request.raw, 'file'));
    request.abandonUpload = () => (form ? form.abandon() : request.raw.resume());
    return {
      get file() {
        return started().file;
      },
      fields: async () => mounted.validators.form!(await started().fields),
    };
  }

  private async fail(request: ServerRequest, error: unknown): Promise<void> {
    request.error = error;
    if (request.abandonUpload) {
      // The rest of the upload is not read: discard it and close the connection after answering.
      request.abandonUpload();
      if (!request.res.headersSent) request.res.setHeader('connection', 'close');
    }
    for (const hook of this.hooks.onError) {
      try {
        await hook(request, error);
      } catch (hookError) {
        this.logger.warn('an onError hook failed', { error: (hookError as Error).message });
      }
    }
    writeError(request, error, request.logger);
  }

  private responded(request: ServerRequest): void {
    if (!request.res.writableFinished && request.error === undefined) request.error = new Error('the client closed the connection before the response was complete');
    for (const hook of this.hooks.onResponse) {
      try {
        hook(request);
      } catch (error) {
        this.logger.warn('an onResponse hook failed', { error: (error as Error).message });
      }
    }
  }
}

/** The `form` of routes that take no upload. */
const NO_FORM: MultipartUpload<unknown> = {
  get file(): never {
    throw new InvalidRequestError('This route takes no upload.');
  },
  fields: async () => {
    throw new InvalidRequestError('This route takes no upload.');
  },
};

export type { RouteResult };
