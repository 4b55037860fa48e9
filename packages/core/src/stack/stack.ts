import { asValue, createContainer, InjectionMode, type AwilixContainer } from 'awilix';
import {
  ConfigError,
  type HealthResult,
  type ProviderApi,
  type ProviderInfo,
  type ProviderLogger,
  type ProviderSpec,
  PROVIDER_APIS,
} from '@cria/api';
import type { Distribution, DistributionProviderEntry } from '../distribution/distribution-loader.js';
import { assembleFiles } from '../files/files-assembly.js';
import { assembleInference } from '../inference/inference-assembly.js';
import type { InferenceRouter } from '../inference/inference-router.js';
import type { InferenceStore } from '../inference/inference-store.js';
import { createLogger } from '../logger.js';
import type { ProviderCatalog } from '../providers/provider-catalog.js';
import { ModelsRoutingTable } from '../routing/models-routing-table.js';
import { StorageBackends } from '../storage/storage-backends.js';
import { compileSchema } from '../validation/validation.js';
import { assembleVectorIo } from '../vector-io/vector-io-assembly.js';
import { type ApiAssembler, type AssembledApi, routerName } from './stack-apis.js';
import type { ProviderInstance } from './stack-types.js';

export type { ProviderInstance } from './stack-types.js';

/** What the container holds; the server resolves routers from it. */
export interface StackCradle {
  distribution: Distribution;
  storage: StorageBackends;
  catalog: ProviderCatalog;
  providerInstances: ProviderInstance[];
  modelsRoutingTable: ModelsRoutingTable;
  inferenceStore: InferenceStore | null;
  /** Each API's router as `<api>Router` (inferenceRouter, vectorIoRouter, ...), and what assemblies register. */
  [name: string]: unknown;
}

export interface BuildStackOptions {
  catalog: ProviderCatalog;
  logger?: ProviderLogger;
  /** Where `module:` packages are looked up, after the distribution's directory. */
  moduleSearchDirs?: readonly string[];
}

/**
 * How each API this release serves is assembled from its providers. A distribution naming
 * providers of any other API is refused at start-up.
 */
const API_ASSEMBLERS: Partial<Record<ProviderApi, ApiAssembler>> = {
  inference: assembleInference,
  files: assembleFiles,
  vector_io: assembleVectorIo,
};
/**
 * APIs an API's assembly uses besides what its providers declare: vector stores embed through
 * inference and read files. The distribution must configure them (a section whose providers are
 * all disabled is fine: the API then answers 400 where it needs them).
 */
const API_DEPENDENCIES: Partial<Record<ProviderApi, readonly ProviderApi[]>> = {
  vector_io: ['inference', 'files'],
};
const SERVED_APIS = Object.keys(API_ASSEMBLERS) as ProviderApi[];

const SECRET_KEY = /(api_key|apikey|password|secret|token|credential)/i;

function redact(value: unknown, secretKeys: ReadonlySet<string>, key = ''): unknown {
  if (Array.isArray(value)) return value.map((entry) => redact(entry, secretKeys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, redact(entry, secretKeys, name)]));
  }
  if (value !== null && value !== undefined && value !== '' && (secretKeys.has(key) || SECRET_KEY.test(key))) return '********';
  return value;
}

/** A running composition of a distribution: storage, providers, routing tables, routers. */
export class Stack {
  constructor(
    readonly container: AwilixContainer<StackCradle>,
    private readonly logger: ProviderLogger,
    private readonly assembled: readonly AssembledApi[],
  ) {}

  /** The router of an API, or null when the distribution has no provider for it. */
  router<T>(api: ProviderApi): T | null {
    return (this.container.resolve(routerName(api), { allowUnregistered: true }) as T | undefined) ?? null;
  }

  get distribution(): Distribution {
    return this.container.cradle.distribution;
  }

  get providers(): readonly ProviderInstance[] {
    return this.container.cradle.providerInstances;
  }

  get storage(): StorageBackends {
    return this.container.cradle.storage;
  }

  get inference(): InferenceRouter | null {
    return this.router<InferenceRouter>('inference');
  }

  get models(): ModelsRoutingTable {
    return this.container.cradle.modelsRoutingTable;
  }

  get inferenceStore(): InferenceStore | null {
    return this.container.cradle.inferenceStore;
  }

  /** GET /v1/providers: every enabled provider, secrets redacted, with its health. */
  async providerInfo(): Promise<ProviderInfo[]> {
    return Promise.all(this.providers.map((instance) => this.describe(instance)));
  }

  async describe(instance: ProviderInstance): Promise<ProviderInfo> {
    return {
      api: instance.api,
      provider_id: instance.providerId,
      provider_type: instance.providerType,
      config: redact(instance.config, new Set(instance.spec.secretConfigKeys ?? [])) as Record<string, unknown>,
      health: await health(instance),
    };
  }

  async shutdown(): Promise<void> {
    for (const api of [...this.assembled].reverse()) await api.close?.().catch((error: Error) => this.logger.warn('API shutdown failed', { error: error.message }));
    for (const instance of [...this.providers].reverse()) {
      try {
        await instance.impl.shutdown?.();
      } catch (error) {
        this.logger.warn('provider shutdown failed', { provider_id: instance.providerId, error: (error as Error).message });
      }
    }
    this.container.cradle.storage.close();
  }
}

async function health(instance: ProviderInstance): Promise<HealthResult> {
  if (!instance.impl.health) return { status: 'Not Implemented' };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      instance.impl.health(),
      new Promise<HealthResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'Error', message: 'health check timed out after 5 s' }), 5_000);
      }),
    ]);
  } catch (error) {
    return { status: 'Error', message: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Orders APIs so every API comes after the APIs its providers depend on. */
function orderApis(apis: readonly ProviderApi[], dependencies: Map<ProviderApi, Set<ProviderApi>>): ProviderApi[] {
  const ordered: ProviderApi[] = [];
  const state = new Map<ProviderApi, 'visiting' | 'done'>();
  const visit = (api: ProviderApi, chain: ProviderApi[]) => {
    if (state.get(api) === 'done') return;
    if (state.get(api) === 'visiting') throw new ConfigError('providers', `the APIs depend on each other in a cycle: ${[...chain, api].join(' -> ')}`);
    state.set(api, 'visiting');
    for (const dependency of dependencies.get(api) ?? []) if (apis.includes(dependency)) visit(dependency, [...chain, api]);
    state.set(api, 'done');
    ordered.push(api);
  };
  for (const api of apis) visit(api, []);
  return ordered;
}

/** Validates a provider's config against its schema (defaults applied) and creates it. */
async function createProvider(
  entry: DistributionProviderEntry,
  spec: ProviderSpec<any, any>,
  distribution: Distribution,
  storage: StorageBackends,
  routers: ReadonlyMap<ProviderApi, unknown>,
): Promise<ProviderInstance> {
  const config = structuredClone(entry.config);
  const failure = compileSchema(spec.configSchema, { useDefaults: true })(config);
  if (failure) {
    const path = `${entry.path}.config${failure.path ? `.${failure.path}` : ''}`;
    throw new ConfigError(path, `${failure.message} (${distribution.locate(path)})`);
  }
  const deps = Object.fromEntries([...(spec.dependencies ?? []), ...(spec.optionalDependencies ?? [])].filter((name) => routers.has(name)).map((name) => [name, routers.get(name)]));
  try {
    const impl = await spec.create(config, {
      providerId: entry.providerId,
      providerType: entry.providerType,
      deps,
      storage: {
        kv: (ref) => storage.kv(ref, `${entry.path}.config`),
        sql: (ref) => storage.sql(ref, `${entry.path}.config`),
      },
      logger: createLogger(entry.providerId),
      distributionDir: distribution.directory,
    });
    return { api: entry.api as ProviderApi, providerId: entry.providerId, providerType: entry.providerType, config, spec, impl };
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.path || entry.path, error.reason, { cause: error });
    throw new ConfigError(entry.path, `provider ${entry.providerId} (${entry.providerType}) failed to start: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Builds the stack for a distribution: opens storage, loads and validates every enabled
 * provider's config against its schema (errors carry the YAML path), creates providers in
 * dependency order, and wires routers and routing tables into the container.
 */
export async function buildStack(distribution: Distribution, options: BuildStackOptions): Promise<Stack> {
  const logger = options.logger ?? createLogger('core');
  const { catalog } = options;
  const storage = new StorageBackends(distribution.storage.backends);
  const instances: ProviderInstance[] = [];
  try {
    const specs = new Map<DistributionProviderEntry, ProviderSpec<any, any>>();
    const seenIds = new Map<string, string>();
    for (const entry of distribution.providers) {
      if (!(PROVIDER_APIS as readonly string[]).includes(entry.api)) {
        throw new ConfigError(`providers.${entry.api}`, `'${entry.api}' is not an API providers implement (${PROVIDER_APIS.join(', ')})`);
      }
      if (!SERVED_APIS.includes(entry.api as ProviderApi)) {
        throw new ConfigError(`providers.${entry.api}`, `the ${entry.api} API is not served by this release of Cria (served: ${SERVED_APIS.join(', ')})`);
      }
      const previous = seenIds.get(`${entry.api}/${entry.providerId}`);
      if (previous) throw new ConfigError(`${entry.path}.provider_id`, `provider_id '${entry.providerId}' is already used by ${previous}`);
      seenIds.set(`${entry.api}/${entry.providerId}`, entry.path);
      if (entry.module) await catalog.loadModule(entry.module, [distribution.directory, ...(options.moduleSearchDirs ?? [])], entry.path);
      const catalogEntry = catalog.get(entry.api, entry.providerType);
      if (!catalogEntry) {
        const known = catalog.list(entry.api).map((candidate) => candidate.providerType);
        throw new ConfigError(`${entry.path}.provider_type`, `unknown provider type '${entry.providerType}' for the ${entry.api} API (available: ${known.join(', ') || 'none'}; a provider package can be named with module:)`);
      }
      specs.set(entry, await catalogEntry.load());
    }

    const apis = [...new Set(distribution.providers.map((entry) => entry.api as ProviderApi))];
    const dependencies = new Map<ProviderApi, Set<ProviderApi>>();
    for (const [entry, spec] of specs) {
      const set = dependencies.get(entry.api as ProviderApi) ?? new Set<ProviderApi>();
      for (const dependency of spec.dependencies ?? []) {
        if (!apis.includes(dependency)) throw new ConfigError(`${entry.path}.provider_type`, `${spec.providerType} needs the ${dependency} API, which this distribution does not provide`);
        set.add(dependency);
      }
      for (const dependency of spec.optionalDependencies ?? []) set.add(dependency);
      dependencies.set(entry.api as ProviderApi, set);
    }
    for (const api of apis) {
      for (const dependency of API_DEPENDENCIES[api] ?? []) {
        if (!(dependency in (distribution.config.providers ?? {}))) {
          throw new ConfigError(`providers.${api}`, `the ${api} API needs the ${dependency} API: add providers.${dependency} to the distribution`);
        }
        dependencies.get(api)?.add(dependency);
      }
    }

    const routers = new Map<ProviderApi, unknown>();
    const assembled: AssembledApi[] = [];
    const registrations: Record<string, unknown> = {
      modelsRoutingTable: new ModelsRoutingTable([], null, logger),
      inferenceStore: null,
    };
    for (const api of orderApis(apis, dependencies)) {
      for (const [entry, spec] of specs) {
        if (entry.api !== api) continue;
        instances.push(await createProvider(entry, spec, distribution, storage, routers));
      }
      const assembly = await API_ASSEMBLERS[api]!({ distribution, storage, logger, instances: instances.filter((instance) => instance.api === api), routers });
      assembled.push(assembly);
      routers.set(api, assembly.router);
      registrations[routerName(api)] = assembly.router;
      Object.assign(registrations, assembly.registrations ?? {});
    }

    const container = createContainer<StackCradle>({ injectionMode: InjectionMode.PROXY, strict: true });
    container.register({
      distribution: asValue(distribution),
      storage: asValue(storage),
      catalog: asValue(catalog),
      providerInstances: asValue(instances),
      ...Object.fromEntries(Object.entries(registrations).map(([name, value]) => [name, asValue(value)])),
    });
    return new Stack(container, logger, assembled);
  } catch (error) {
    for (const instance of instances.reverse()) await instance.impl.shutdown?.().catch(() => undefined);
    storage.close();
    throw error;
  }
}
