import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type ParameterizedContext } from 'koa';
import { InvalidRequestError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError, type ProviderLogger, type RequestContext } from '@cria/api';
import { compileApiValidator, createLogger, type Stack, type Validator } from '@cria/core';
import { inferenceRoutes } from './routes/routes-inference.js';
import { inspectRoutes } from './routes/routes-inspect.js';
import { filesRoutes } from './routes/routes-files.js';
import { modelsRoutes } from './routes/routes-models.js';
import { vectorIoRoutes } from './routes/routes-vector-io.js';
import { vectorStoresRoutes } from './routes/routes-vector-stores.js';
import { toErrorReply } from './server-errors.js';
import { buildOpenApi } from './server-openapi.js';
import type { RouteDefinition, RouteResult } from './server-routes.js';
import { writeSse } from './server-sse.js';

export interface CriaServerOptions {
  /** Reported by GET /v1/version and /openapi.json. */
  version: string;
  logger?: ProviderLogger;
  /** Largest request body accepted, in bytes (413 beyond). */
  bodyLimitBytes?: number;
  /** Routes of APIs added by later packages. */
  extraRoutes?: readonly RouteDefinition[];
}

export interface CriaApp {
  app: Koa;
  routes: readonly RouteDefinition[];
  /** Serves a request of the inference hot path and returns true, or returns false for koa to serve it. */
  handleHot(req: IncomingMessage, res: ServerResponse): boolean;
  /** Prepares the hot path ahead of its first request (validators are otherwise compiled on first use). */
  warmUp(): void;
}

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
const PROVIDER_DATA_HEADER = 'x-llamastack-provider-data';

/** The historical prefix of Llama Stack's OpenAI routes; it serves the same handlers. */
const OPENAI_PREFIX = '/v1/openai/v1/';

function parseJsonBody(chunks: Buffer[], size: number): unknown {
  if (size === 0) throw new InvalidRequestError('The request body is empty: send a JSON object.');
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('We could not parse the JSON body of your request. The request body must be a JSON object.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object.');
  return body;
}

/** Reads and parses a JSON body once, with plain stream events (this is on every POST's path). */
function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(`The request body is ${declared} bytes; the limit is ${limit}.`));
  const contentType = req.headers['content-type'];
  if (contentType?.startsWith('multipart/')) {
    return Promise.reject(new InvalidRequestError(`Unsupported content type '${contentType}': send the request body as application/json.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Discard the rest so the 413 can still be answered on this connection.
      req.off('data', onData);
      req.resume();
      reject(new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes.`));
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size > limit) return;
      try {
        resolve(parseJsonBody(chunks, size));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function providerData(header: string | string[] | undefined): RequestContext['providerData'] {
  if (header === undefined) return null;
  const text = Array.isArray(header) ? header[0]! : header;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidRequestError('The X-LlamaStack-Provider-Data header must be a JSON object.', { param: 'X-LlamaStack-Provider-Data' });
}

/**
 * A validator compiled on first use: compiling every route's schema up front costs start-up time
 * and memory for routes a deployment may never see. `warm()` compiles it ahead of its first request.
 */
function lazyApiValidator(name: string, options: { coerceTypes?: boolean } = {}): Validator<unknown> & { warm(): void } {
  let compiled: Validator<unknown> | undefined;
  const warm = () => {
    compiled ??= compileApiValidator<unknown>(name, options);
  };
  return Object.assign((value: unknown) => {
    warm();
    return compiled!(value);
  }, { warm });
}

/** `{model_id...}` -> `*model_id` (rest of the path), `{id}` -> `:id` (one segment). */
function koaPath(path: string): string {
  return path.replace(/\{([a-z_]+)\.\.\.\}/g, '*$1').replace(/\{([a-z_]+)\}/g, ':$1');
}

function corsMiddleware(cors: unknown): Koa.Middleware | null {
  if (!cors) return null;
  const settings = cors === true ? {} : (cors as { allow_origins?: string[]; allow_origin_regex?: string | null; allow_methods?: string[]; allow_headers?: string[]; allow_credentials?: boolean; expose_headers?: string[]; max_age?: number });
  const origins = settings.allow_origins ?? (cors === true ? ['*'] : []);
  const originPattern = settings.allow_origin_regex ? new RegExp(settings.allow_origin_regex) : null;
  const methods = (settings.allow_methods?.length ? settings.allow_methods : ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).join(', ');
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    if (origin && (origins.includes('*') || origins.includes(origin) || originPattern?.test(origin))) {
      ctx.set('access-control-allow-origin', origins.includes('*') && !settings.allow_credentials ? '*' : origin);
      ctx.vary('origin');
      if (settings.allow_credentials) ctx.set('access-control-allow-credentials', 'true');
      if (settings.expose_headers?.length) ctx.set('access-control-expose-headers', settings.expose_headers.join(', '));
      if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
        ctx.set('access-control-allow-methods', methods);
        ctx.set('access-control-allow-headers', settings.allow_headers?.length ? settings.allow_headers.join(', ') : ctx.get('access-control-request-headers') || '*');
        ctx.set('access-control-max-age', String(settings.max_age ?? 600));
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}

/** The koa application for a stack: every route of the table, validated and mapped to errors at the edge. */
export function createApp(stack: Stack, options: CriaServerOptions): CriaApp {
  const logger = options.logger ?? createLogger('server');
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const routes: RouteDefinition[] = [];
  routes.push(...modelsRoutes, ...inferenceRoutes, ...filesRoutes, ...vectorIoRoutes, ...vectorStoresRoutes, ...inspectRoutes(() => routes, options.version), ...(options.extraRoutes ?? []));
  let openApi: Record<string, unknown> | undefined;

  const app = new Koa();
  app.proxy = true;
  app.silent = true;

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // The client went away and the request was aborted for it: nobody to answer.
      if (ctx.res.destroyed || (error as Error | undefined)?.name === 'AbortError') return;
      if (ctx.res.headersSent) {
        logger.warn('error after the response started', { path: ctx.path, error: (error as Error).message });
        return;
      }
      const reply = toErrorReply(error, logger);
      ctx.status = reply.status;
      ctx.set(reply.headers);
      ctx.body = reply.body;
    }
  });

  app.use(async (ctx, next) => {
    if (ctx.path.startsWith(OPENAI_PREFIX)) ctx.path = `/v1/${ctx.path.slice(OPENAI_PREFIX.length)}`;
    await next();
  });

  const cors = corsMiddleware(stack.distribution.config.server?.cors);
  if (cors) app.use(cors);

  /** Runs a route: validates, calls its handler, answers JSON or SSE on `res`; returns the JSON for koa. */
  const run = async (
    route: RouteDefinition,
    validators: { body: Validator<unknown> | null; query: Validator<unknown> | null },
    req: IncomingMessage,
    res: ServerResponse,
    params: Record<string, string>,
    rawQuery: Record<string, unknown>,
    koa: ParameterizedContext | undefined,
  ): Promise<Exclude<RouteResult, { sse: unknown }> | undefined> => {
    const context = new HttpRequestContext(res, req.headers[PROVIDER_DATA_HEADER]);
    const body = validators.body ? validators.body(await readJsonBody(req, bodyLimit)) : undefined;
    const query = validators.query ? validators.query({ ...rawQuery }) : {};
    const result: RouteResult = await route.handler({ body, query, params, context, stack, koa: koa as ParameterizedContext });
    if ('sse' in result) {
      await writeSse(res, result.sse, { done: result.done, signal: context.signal, onError: (error) => toErrorReply(error, logger).body });
      return undefined;
    }
    return result;
  };

  const router = new Router();
  const hotRoutes = new Map<string, { route: RouteDefinition; validators: { body: Validator<unknown> | null; query: null } }>();
  for (const route of routes) {
    const validators = {
      body: route.requestBody ? lazyApiValidator(route.requestBody) : null,
      query: route.query ? lazyApiValidator(route.query, { coerceTypes: true }) : null,
    };
    if (route.hotPath && route.method === 'POST' && !route.path.includes('{') && !validators.query) hotRoutes.set(route.path, { route, validators: { body: validators.body, query: null } });
    router[route.method.toLowerCase() as 'get'](koaPath(route.path), async (ctx: ParameterizedContext & { params: Record<string, string> }) => {
      const result = await run(route, validators, ctx.req, ctx.res, ctx.params, ctx.query, ctx);
      if (!result) {
        ctx.respond = false;
        return;
      }
      if ('stream' in result) {
        ctx.type = result.contentType;
        if (result.headers) ctx.set(result.headers);
        ctx.body = result.stream;
        return;
      }
      ctx.status = result.status ?? 200;
      ctx.body = result.json;
    });
  }
  router.get('/openapi.json', (ctx) => {
    openApi ??= buildOpenApi(routes, options.version);
    ctx.body = openApi;
  });

  // Unmatched requests: koa leaves a 404, allowedMethods a 405; both answer in the envelope.
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 405) {
      throw new MethodNotAllowedError(`Method ${ctx.method} is not allowed on ${ctx.path} (allowed: ${ctx.response.get('allow')}).`);
    }
    if (ctx.body === undefined && ctx.status === 404) {
      throw new NotFoundError('route', ctx.path, `Invalid URL (${ctx.method} ${ctx.path})`, { code: 'unknown_url' });
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));

  /**
   * The inference hot path: POST routes marked `hotPath` are served straight from the request
   * listener (same validators, handlers and error envelope), without koa's per-request context,
   * which costs more than the rest of the proxying. Everything else goes through koa.
   */
  const handleHot = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || hotRoutes.size === 0 || cors) return false;
    let path = req.url ?? '/';
    const query = path.indexOf('?');
    if (query !== -1) path = path.slice(0, query);
    if (path.startsWith(OPENAI_PREFIX)) path = `/v1/${path.slice(OPENAI_PREFIX.length)}`;
    const hot = hotRoutes.get(path);
    if (!hot) return false;
    run(hot.route, hot.validators, req, res, {}, {}, undefined).then(
      (result) => {
        if (!result) return;
        if (!('json' in result)) throw new Error(`hot route ${path} answered with something other than JSON`);
        const text = JSON.stringify(result.json);
        res.writeHead(result.status ?? 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
      (error: unknown) => {
        if (res.destroyed || (error as Error | undefined)?.name === 'AbortError') return;
        if (res.headersSent) {
          logger.warn('error after the response started', { path, error: (error as Error).message });
          res.end();
          return;
        }
        const reply = toErrorReply(error, logger);
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, { ...reply.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
    );
    return true;
  };
  /** Compiles the hot routes' validators, so their first requests do not pay for it. */
  const warmUp = () => {
    for (const { validators } of hotRoutes.values()) (validators.body as ReturnType<typeof lazyApiValidator> | null)?.warm();
  };
  return { app, routes, handleHot, warmUp };
}

/**
 * What a handler learns about its request. The abort signal is made on first use (an
 * AbortController costs more than a small request's JSON work); it fires when the client goes
 * away before the answer is complete.
 */
class HttpRequestContext implements RequestContext {
  readonly providerData: RequestContext['providerData'];
  private controller: AbortController | undefined;
  private clientGone = false;

  constructor(res: ServerResponse, providerDataHeader: string | string[] | undefined) {
    this.providerData = providerData(providerDataHeader);
    res.once('close', () => {
      if (res.writableFinished) return;
      this.clientGone = true;
      this.controller?.abort();
    });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.clientGone) this.controller.abort();
    }
    return this.controller.signal;
  }
}

export interface RunningServer {
  server: Server;
  /** The base URL, e.g. `http://127.0.0.1:8321`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions extends CriaServerOptions {
  host?: string;
  port?: number;
}

/** Starts the server for a stack; `close` stops accepting, ends idle connections and shuts the stack down. */
export async function startServer(stack: Stack, options: ListenOptions): Promise<RunningServer> {
  const { app, handleHot, warmUp } = createApp(stack, options);
  const serverConfig = stack.distribution.config.server ?? {};
  const koaHandler = app.callback();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!handleHot(req, res)) void koaHandler(req, res);
  };
  const tls = serverConfig.tls_certfile && serverConfig.tls_keyfile;
  const server: Server = tls
    ? (createHttpsServer(
        {
          cert: readFileSync(serverConfig.tls_certfile!),
          key: readFileSync(serverConfig.tls_keyfile!),
          ...(serverConfig.tls_cafile ? { ca: readFileSync(serverConfig.tls_cafile), requestCert: true } : {}),
        },
        handler,
      ) as unknown as Server)
    : createHttpServer({ keepAliveTimeout: 65_000 }, handler);
  const host = options.host ?? serverConfig.host ?? '0.0.0.0';
  const port = options.port ?? Number(serverConfig.port ?? 8321);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  setImmediate(warmUp);
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    url: `${tls ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2_000).unref();
        });
        await stack.shutdown();
      })()),
  };
}
