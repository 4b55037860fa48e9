import { asFunction, asValue, type AwilixContainer, createContainer, InjectionMode, type Resolver } from 'awilix/browser';
import {
  type AnyProviderSpec,
  type ApiName,
  type ApiRouters,
  ConfigError,
  createApiRouter,
  createProviderInstance,
  type ErasedRouterContext,
  isCriaError,
  type KvStore,
  type ProviderLogger,
  type RouterLifecycle,
  type SqlStore,
} from '@cria/api';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';
import type { Catalog } from '../catalog/catalog.js';
import { loadExternalApis, loadExternalProviders } from '../distribution/distribution-external.js';
import type { Distribution, DistributionProviderEntry } from '../distribution/distribution-loader.js';
import { createLogger, setDistributionLogLevel } from '../logger.js';
import { CoreOutboundUrlGuard } from '../outbound/outbound-url-guard.js';
import { StackGauges } from './stack-gauges.js';
import { KvResourceRegistry } from '../registry/resource-registry.js';
import { StorageBackends } from '../storage/storage-backends.js';
import { compileSchema, registerSchemaBundle } from '../validation/validation.js';
import { orderSteps, type PlannedApi, planApis } from './stack-plan.js';
import { type ProviderInstance, routesOfServed, type ServedApi, Stack, type StackCradle } from './stack.js';

export interface BuildStackOptions {
  catalog: Catalog;
  logger?: ProviderLogger;
  /** Where `module:` packages are looked up, after the distribution's directory. */
  moduleSearchDirs?: readonly string[];
  /** Reported by the inspect API. */
  version?: string;
  /**
   * Registrations that replace the stack's own by name (a router under its API's name, a service
   * such as `registry`), for tests and embedding hosts.
   */
  overrides?: Record<string, Resolver<unknown>>;
}

/** Adds the APIs this build serves to a catalog (once). */
export function addBuiltinApis(catalog: Catalog): Catalog {
  for (const builtin of BUILTIN_APIS) {
    if (!catalog.api(builtin.name)) catalog.addApi({ ...builtin, source: '@cria/core' });
  }
  return catalog;
}

/** Validates a provider's config against its schema (defaults applied); errors carry the YAML path and line. */
function validatedConfig(entry: DistributionProviderEntry, spec: AnyProviderSpec, distribution: Distribution): Record<string, unknown> {
  const config = structuredClone(entry.config);
  // A precompiled validator spares compiling the schema; a failure is explained by the schema itself.
  if (spec.configValidator?.(config)) return config;
  const failure = compileSchema(spec.configSchema, { useDefaults: true })(config);
  if (failure) {
    const path = `${entry.path}.config${failure.path ? `.${failure.path}` : ''}`;
    throw new ConfigError(path, `${failure.message} (${distribution.locate(path)})`);
  }
  return config;
}

/** Loads every provider definition the distribution names (their packages are imported now). */
async function loadEntries(distribution: Distribution, catalog: Catalog, searchDirs: readonly string[]): Promise<Map<string, PlannedApi['entries']>> {
  const byApi = new Map<string, PlannedApi['entries']>();
  const seenIds = new Map<string, string>();
  for (const entry of distribution.providers) {
    const previous = seenIds.get(`${entry.api}/${entry.providerId}`);
    if (previous) throw new ConfigError(`${entry.path}.provider_id`, `provider_id '${entry.providerId}' is already used by ${previous}`);
    seenIds.set(`${entry.api}/${entry.providerId}`, entry.path);
    if (entry.module) await catalog.loadModule(entry.module, [distribution.directory, ...searchDirs], entry.path);
    const catalogEntry = catalog.provider(entry.api, entry.providerType);
    if (!catalogEntry) {
      const known = catalog.listProviders(entry.api).map((candidate) => candidate.providerType);
      throw new ConfigError(`${entry.path}.provider_type`, `unknown provider type '${entry.providerType}' for the ${entry.api} API (available: ${known.join(', ') || 'none'}; a provider package can be named with module:) (${distribution.locate(`${entry.path}.provider_type`)})`);
    }
    let spec: AnyProviderSpec;
    try {
      spec = await catalogEntry.load();
    } catch (error) {
      if (isCriaError(error, 'config')) throw new ConfigError(entry.module ? `${entry.path}.module` : `${entry.path}.provider_type`, error.message, { cause: error });
      throw error;
    }
    byApi.set(entry.api, [...(byApi.get(entry.api) ?? []), { entry, spec }]);
  }
  return byApi;
}

/**
 * Builds the stack for a distribution. Storage opens, the registry loads, every enabled
 * provider's config is validated against its schema (errors carry the YAML path), and then, in
 * dependency order, each API's providers are created and its router is built by the container
 * (a singleton registered under the API's name) and started.
 */
export async function buildStack(distribution: Distribution, options: BuildStackOptions): Promise<Stack> {
  const logging = (distribution.config.logging_config ?? distribution.config.logging) as { level?: unknown } | null | undefined;
  if (logging?.level !== undefined) setDistributionLogLevel(logging.level);
  const logger = options.logger ?? createLogger('core');
  const catalog = addBuiltinApis(options.catalog);
  const searchDirs = options.moduleSearchDirs ?? [];
  const storage = new StorageBackends(distribution.storage.backends);
  const container = createContainer<StackCradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  const instances: ProviderInstance[] = [];
  const started: RouterLifecycle[] = [];
  try {
    await loadExternalApis(distribution, catalog, searchDirs);
    await loadExternalProviders(distribution, catalog, searchDirs);
    const entries = await loadEntries(distribution, catalog, searchDirs);
    const modules = await planApis(distribution, catalog, (message) => logger.warn(message));
    const planned = new Map<string, PlannedApi>([...modules].map(([name, module]) => [name, { name, module, entries: entries.get(name) ?? [] }]));
    for (const module of modules.values()) if (module.schemas) registerSchemaBundle(module.schemas);
    const steps = orderSteps(planned);

    const overrides = options.overrides ?? {};
    const register = (name: string, resolver: Resolver<unknown>) => container.register(name, overrides[name] ?? resolver);
    register('distribution', asValue(distribution));
    register('logger', asValue(logger));
    register('storage', asValue(storage));
    register('catalog', asValue(catalog));
    register('outbound', asFunction(() => new CoreOutboundUrlGuard(distribution.outbound)).singleton().disposer((guard) => guard.close()));
    register('gauges', asFunction(() => new StackGauges()).singleton());
    const metadata = distribution.storage.stores.metadata;
    const registryStore = metadata ? await storage.kv({ backend: metadata.backend, namespace: metadata.namespace ?? 'registry' }, 'storage.stores.metadata') : null;
    register('registry', asFunction(() => new KvResourceRegistry(registryStore, logger)).singleton());
    const registry = container.cradle.registry;
    if (registry instanceof KvResourceRegistry) await registry.load();

    const served = new Map<ApiName, ServedApi>();
    const providersOf = (api: string) => instances.filter((instance) => instance.api === api);
    for (const step of steps) {
      const api = planned.get(step.api)!;
      const name = api.module.name;
      if (step.kind === 'providers') {
        for (const { entry, spec } of api.entries) instances.push(await createProvider(entry, name, spec, distribution, storage, container));
        register(`providers:${name}`, asValue(providersOf(name)));
        continue;
      }
      const context = routerContext(api, distribution, storage, { container, logger, version: options.version ?? '0.0.0', served, instances, providersOf });
      register(name, asFunction(() => createApiRouter(api.module, context)).singleton());
      const router = container.resolve<RouterLifecycle>(name);
      try {
        await router.start?.();
      } catch (error) {
        if (isCriaError(error, 'config')) throw error;
        throw new ConfigError(`providers.${name}`, `the ${name} API failed to start: ${(error as Error).message}`, { cause: error });
      }
      started.push(router);
      served.set(name, { name, module: api.module, providers: providersOf(api.module.providersOf ?? name) });
    }
    return new Stack(container, served, started, instances);
  } catch (error) {
    for (const router of started.reverse()) await router.close?.().catch(() => undefined);
    for (const instance of instances.reverse()) await instance.impl.shutdown?.().catch(() => undefined);
    await storage.close();
    throw error;
  }
}

interface ContextServices {
  container: AwilixContainer<StackCradle>;
  logger: ProviderLogger;
  version: string;
  served: ReadonlyMap<ApiName, ServedApi>;
  instances: readonly ProviderInstance[];
  providersOf(api: string): ProviderInstance[];
}

/** What a module's `createRouter` receives: its providers, its dependencies' routers (started), its stores. */
function routerContext(api: PlannedApi, distribution: Distribution, storage: StorageBackends, services: ContextServices): ErasedRouterContext {
  const { module } = api;
  const { container } = services;
  const deps = routersOf([...(module.dependencies ?? []), ...(module.optionalDependencies ?? [])], container);
  const stores = distribution.storage.stores;
  const storeRef = (name: string) => stores[name] ?? null;
  function store(name: string, kind: 'kv'): Promise<KvStore | null>;
  function store(name: string, kind: 'sql'): Promise<SqlStore | null>;
  async function store(name: string, kind: 'kv' | 'sql'): Promise<KvStore | SqlStore | null> {
    const reference = stores[name];
    if (!reference) return null;
    const path = `storage.stores.${name}`;
    return kind === 'kv'
      ? storage.kv({ backend: reference.backend, namespace: 'namespace' in reference ? (reference.namespace ?? name) : name }, path)
      : storage.sql({ backend: reference.backend, table_name: 'table_name' in reference ? (reference.table_name ?? name) : name }, path);
  }
  return {
    providers: services.providersOf(module.providersOf ?? module.name),
    deps,
    config: distribution.config,
    locate: (path) => distribution.locate(path),
    store,
    storeRef,
    storage,
    registry: container.cradle.registry,
    logger: services.logger,
    distributionDir: distribution.directory,
    outbound: container.cradle.outbound,
    gauges: container.cradle.gauges,
    version: services.version,
    routes: () => routesOfServed(services.served),
    allProviders: () => services.instances,
  };
}

/** The routers of the named APIs that the container has (built before, in dependency order). */
function routersOf(names: readonly string[], container: AwilixContainer<StackCradle>): Partial<ApiRouters<never, ApiName>> {
  const routers: Partial<ApiRouters<never, ApiName>> = {};
  for (const name of names) if (container.hasRegistration(name)) Object.assign(routers, { [name]: container.resolve(name) });
  return routers;
}

/** Validates a provider's config and creates it, with its dependencies' routers from the container. */
async function createProvider(entry: DistributionProviderEntry, api: ApiName, spec: AnyProviderSpec, distribution: Distribution, storage: StorageBackends, container: AwilixContainer<StackCradle>): Promise<ProviderInstance> {
  const config = validatedConfig(entry, spec, distribution);
  const deps = routersOf([...(spec.dependencies ?? []), ...(spec.optionalDependencies ?? [])], container);
  try {
    const impl = await createProviderInstance(spec, config, {
      providerId: entry.providerId,
      providerType: entry.providerType,
      deps,
      storage: {
        kv: (ref) => storage.kv(ref, `${entry.path}.config`),
        sql: (ref) => storage.sql(ref, `${entry.path}.config`),
      },
      logger: createLogger(entry.providerId),
      distributionDir: distribution.directory,
      vectorStoresConfig: distribution.config.vector_stores ?? null,
      outbound: container.cradle.outbound,
      gauges: container.cradle.gauges,
    });
    return { api, providerId: entry.providerId, providerType: entry.providerType, config, secretConfigKeys: spec.secretConfigKeys ?? [], spec, impl };
  } catch (error) {
    if (ConfigError.is(error)) throw new ConfigError(error.path || entry.path, error.reason, { cause: error });
    throw new ConfigError(entry.path, `provider ${entry.providerId} (${entry.providerType}) failed to start: ${(error as Error).message}`, { cause: error });
  }
}
