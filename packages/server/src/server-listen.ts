import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type PipelineObserver, type ProviderLogger, type RouteDefinition, routesOf } from '@cria/api';
import { createLogger, type Stack } from '@cria/core';
import { corsHook } from './server-cors.js';
import type { HookRegistrations } from './server-hooks.js';
import { buildOpenApi } from './server-openapi.js';
import { RequestPipeline } from './server-pipeline.js';

export interface CriaServerOptions {
  /** Reported by /openapi.json. */
  version: string;
  logger?: ProviderLogger;
  /** Largest JSON body accepted, in bytes (413 beyond). */
  bodyLimitBytes?: number;
  /** Hooks every request goes through (see ServerHooks). */
  hooks?: HookRegistrations;
}

/** GET /openapi.json, served through the same pipeline as the API's routes. */
function openApiRoute(routes: () => readonly RouteDefinition[], version: string): RouteDefinition {
  let document: Record<string, unknown> | undefined;
  return routesOf('inspect')({
    method: 'GET',
    path: '/openapi.json',
    operation: 'openApi',
    summary: 'The OpenAPI 3.1 description of every route this server serves.',
    response: 'OpenApiDocument',
    handler: () => ({ json: (document ??= buildOpenApi(routes(), version)) }),
  });
}

/** The request pipeline for a stack: its routes, the distribution's CORS, and the given hooks. */
export function createPipeline(stack: Stack, options: CriaServerOptions): RequestPipeline {
  const logger = options.logger ?? createLogger('server');
  const routes: RouteDefinition[] = stack.routes();
  routes.push(openApiRoute(() => routes.filter((route) => route.path !== '/openapi.json'), options.version));
  const pipeline = new RequestPipeline(stack, routes, { logger, ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}) });
  // Observers first (telemetry), so what they see of a request includes CORS preflights and early answers.
  for (const name of stack.served.keys()) {
    const observers = (stack.api(name) as { pipelineObservers?: () => PipelineObserver[] } | null)?.pipelineObservers?.() ?? [];
    for (const observer of observers) pipeline.hooks.add(observerHooks(observer));
  }
  const cors = corsHook(stack.distribution.config.server?.cors);
  if (cors) pipeline.hooks.add({ onRequest: cors });
  if (options.hooks) pipeline.hooks.add(options.hooks);
  return pipeline;
}

/** The server hooks of a router's pipeline observer: only those it has, each bound to it. */
function observerHooks(observer: PipelineObserver): HookRegistrations {
  const hooks: HookRegistrations = {};
  if (observer.onRequest) hooks.onRequest = observer.onRequest.bind(observer);
  if (observer.preHandler) hooks.preHandler = observer.preHandler.bind(observer);
  if (observer.onSend) hooks.onSend = observer.onSend.bind(observer);
  if (observer.onError) hooks.onError = observer.onError.bind(observer);
  if (observer.onResponse) hooks.onResponse = observer.onResponse.bind(observer);
  return hooks;
}

export interface RunningServer {
  server: Server;
  /** A base URL clients on this machine can use, e.g. `http://127.0.0.1:8321`. */
  url: string;
  /** The address the server listens on, as bound: `0.0.0.0:8321`, `[::]:8321`, `127.0.0.1:8321`. */
  listenAddress: string;
  port: number;
  pipeline: RequestPipeline;
  close(): Promise<void>;
}

export interface ListenOptions extends CriaServerOptions {
  host?: string;
  port?: number;
}

/** Starts the server for a stack; `close` stops accepting, ends idle connections and shuts the stack down. */
export async function startServer(stack: Stack, options: ListenOptions): Promise<RunningServer> {
  const pipeline = createPipeline(stack, options);
  const serverConfig = stack.distribution.config.server ?? {};
  const tls = serverConfig.tls_certfile && serverConfig.tls_keyfile;
  const server: Server = tls
    ? createHttpsServer(
        {
          cert: readFileSync(serverConfig.tls_certfile!),
          key: readFileSync(serverConfig.tls_keyfile!),
          ...(serverConfig.tls_cafile ? { ca: readFileSync(serverConfig.tls_cafile), requestCert: true } : {}),
        },
        pipeline.handle,
      )
    : createHttpServer({ keepAliveTimeout: 65_000 }, pipeline.handle);
  const host = options.host ?? serverConfig.host ?? '0.0.0.0';
  const port = options.port ?? Number(serverConfig.port ?? 8321);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  setImmediate(() => pipeline.warmUp());
  const address = server.address() as AddressInfo;
  const bound = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const reachable = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : bound;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    listenAddress: `${bound}:${address.port}`,
    url: `${tls ? 'https' : 'http'}://${reachable}:${address.port}`,
    pipeline,
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
