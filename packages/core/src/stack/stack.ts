import { asValue, type AwilixContainer } from 'awilix/browser';
import {
  type AnyApiModule,
  type AnyProviderSpec,
  type ApiName,
  type ApiRouter,
  type GaugeRegistry,
  InvalidRequestError,
  type ProviderHandle,
  type OutboundUrlGuard,
  type ProviderLogger,
  type RequestContext,
  type ResourceRegistry,
  type RouteDefinition,
  type RouterLifecycle,
  type SchemaBundle,
} from '@cria/api';
import type { Catalog } from '../catalog/catalog.js';
import type { Distribution } from '../distribution/distribution-loader.js';
import type { StorageBackends } from '../storage/storage-backends.js';

/** One provider of the distribution, created. */
export interface ProviderInstance extends ProviderHandle<ApiName> {
  api: ApiName;
  /** The config after validation, with the schema's defaults. */
  config: Record<string, unknown>;
  secretConfigKeys: readonly string[];
  spec: AnyProviderSpec;
}

/** An API the stack serves. */
export interface ServedApi {
  name: ApiName;
  module: AnyApiModule;
  providers: readonly ProviderInstance[];
}

/**
 * What the container holds, by registration name: the stack's services, each served API's
 * router under the API's name, and each API's providers under `providers:<api>`. Any of them can
 * be replaced by name (`BuildStackOptions.overrides`) before the stack is built.
 */
export interface StackCradle {
  distribution: Distribution;
  logger: ProviderLogger;
  storage: StorageBackends;
  catalog: Catalog;
  registry: ResourceRegistry;
  /** The guard of URLs taken from requests (the distribution's `server.outbound`). */
  outbound: OutboundUrlGuard;
  /** The stack's gauges (queue depths, write lag), read by the telemetry providers. */
  gauges: GaugeRegistry;
  /** The current request's context, in a request's scope. */
  requestContext: RequestContext;
}

/** Every route of the served APIs, in the order they were built. */
export function routesOfServed(served: ReadonlyMap<ApiName, ServedApi>): RouteDefinition[] {
  return [...served.values()].flatMap((api) => [...(api.module.routes ?? [])]);
}

/** A running composition of a distribution: storage, providers, registry and routers, in one container. */
export class Stack {
  private closing: Promise<void> | undefined;

  constructor(
    readonly container: AwilixContainer<StackCradle>,
    readonly served: ReadonlyMap<ApiName, ServedApi>,
    /** The routers and services started, in order; closed in reverse. */
    private readonly started: readonly RouterLifecycle[],
    private readonly providerInstances: readonly ProviderInstance[],
  ) {}

  get distribution(): Distribution {
    return this.container.cradle.distribution;
  }

  get registry(): ResourceRegistry {
    return this.container.cradle.registry;
  }

  get storage(): StorageBackends {
    return this.container.cradle.storage;
  }

  /** Every enabled provider, in creation order. */
  get providers(): readonly ProviderInstance[] {
    return this.providerInstances;
  }

  /** The router of an API, or null when this stack does not serve it. */
  api<A extends ApiName>(name: A): ApiRouter<A> | null {
    if (!this.served.has(name)) return null;
    return this.container.resolve<ApiRouter<A>>(name);
  }

  /** The router of an API; a 400 naming the API when this stack does not serve it. */
  requireApi<A extends ApiName>(name: A): ApiRouter<A> {
    const router = this.api(name);
    if (!router) throw new InvalidRequestError(`This distribution does not serve the ${name} API.`);
    return router;
  }

  /** Every route of the served APIs. */
  routes(): RouteDefinition[] {
    return routesOfServed(this.served);
  }

  /** The schema bundles API modules add to the core's. */
  schemaBundles(): SchemaBundle[] {
    return [...this.served.values()].flatMap((api) => (api.module.schemas ? [api.module.schemas] : []));
  }

  /** A container for one request: it resolves what the stack does, plus `requestContext`. */
  scope(context: RequestContext): AwilixContainer<StackCradle> {
    const scope = this.container.createScope<StackCradle>();
    scope.register({ requestContext: asValue(context) });
    return scope;
  }

  /** Closes routers (reverse start order), then providers, then storage; once. */
  shutdown(): Promise<void> {
    return (this.closing ??= this.close());
  }

  private async close(): Promise<void> {
    const logger = this.container.cradle.logger;
    for (const started of [...this.started].reverse()) {
      await started.close?.().catch((error: Error) => logger.warn('shutdown of an API failed', { error: error.message }));
    }
    for (const instance of [...this.providerInstances].reverse()) {
      await instance.impl.shutdown?.().catch((error: Error) => logger.warn('provider shutdown failed', { provider_id: instance.providerId, error: error.message }));
    }
    await this.container.dispose();
    await this.container.cradle.storage.close();
  }
}
