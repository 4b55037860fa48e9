import type { JsonSchema } from './schemas/json-schema.js';
import type { ProviderStorage } from './storage.js';

/**
 * The APIs a distribution can serve (Llama Stack's names). Providers implement the "provider"
 * APIs; the routing-table APIs (models, shields, ...) and inspect/providers are served by the core.
 */
export const PROVIDER_APIS = [
  'inference',
  'safety',
  'agents',
  'responses',
  'batches',
  'vector_io',
  'datasetio',
  'scoring',
  'eval',
  'post_training',
  'tool_runtime',
  'files',
  'file_processors',
  'telemetry',
] as const;

export const CORE_APIS = [
  'models',
  'shields',
  'vector_stores',
  'datasets',
  'scoring_functions',
  'benchmarks',
  'tool_groups',
  'prompts',
  'conversations',
  'connectors',
  'inspect',
  'providers',
  'admin',
] as const;

export type ProviderApi = (typeof PROVIDER_APIS)[number];
export type CoreApi = (typeof CORE_APIS)[number];
export type ApiName = ProviderApi | CoreApi;

/** What a provider learns about the request it is serving. */
export interface RequestContext {
  /** Aborts when the client disconnects or the request is cancelled; pass it to upstream calls. */
  signal: AbortSignal;
  /**
   * The JSON object of the `X-LlamaStack-Provider-Data` header (per-request credentials such as
   * `{"openai_api_key": "..."}`), or null.
   */
  providerData: Readonly<Record<string, unknown>> | null;
}

export interface ProviderLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What `create` receives besides the provider's config. */
export interface ProviderContext<Deps = Partial<Record<ProviderApi, unknown>>> {
  /** The id this instance has in the distribution (`provider_id`). */
  providerId: string;
  providerType: string;
  /** The APIs named in `dependencies` / `optionalDependencies`, as their routers (by API name). */
  deps: Deps;
  storage: ProviderStorage;
  logger: ProviderLogger;
  /** The directory of the distribution file; relative paths in config resolve against it. */
  distributionDir: string;
}

/** Optional lifecycle every provider implementation may have. */
export interface ProviderLifecycle {
  /** Reported by GET /v1/providers; a provider that cannot tell omits it. */
  health?(): Promise<{ status: 'OK' | 'Error' | 'Not Implemented'; message?: string }>;
  /** Called once at server shutdown: close pools, flush queues. */
  shutdown?(): Promise<void>;
}

/**
 * A provider's declarative definition: what it implements, how it is configured, and a factory.
 * The core validates `config` against `configSchema` (with defaults applied) before `create`.
 */
export interface ProviderSpec<Config = Record<string, unknown>, Impl = unknown> {
  api: ProviderApi;
  /** Llama Stack's naming: `remote::<name>` for a service, `inline::<name>` for in-process. */
  providerType: string;
  description: string;
  /** JSON Schema of `config`; defaults in it are applied before validation. */
  configSchema: JsonSchema;
  /** A config to show in docs and scaffolds; `${env.X}` references are allowed. */
  sampleConfig?: Record<string, unknown>;
  /** Keys of the config that hold secrets; GET /v1/providers shows them as `********`. */
  secretConfigKeys?: readonly string[];
  /**
   * The `X-LlamaStack-Provider-Data` fields this provider reads (e.g. `openai_api_key`), with
   * their JSON Schema; documented and shown by `cria list-providers`.
   */
  providerDataSchema?: JsonSchema;
  /** APIs this provider needs; the core creates them first and passes their routers. */
  dependencies?: readonly ProviderApi[];
  optionalDependencies?: readonly ProviderApi[];
  /** npm packages or system tools the provider needs at run time, for `cria list-providers`. */
  requirements?: readonly string[];
  create(config: Config, context: ProviderContext): Promise<Impl & ProviderLifecycle> | (Impl & ProviderLifecycle);
}

/** Identity helper that types a provider definition. */
export function defineProvider<Config = Record<string, unknown>, Impl = unknown>(spec: ProviderSpec<Config, Impl>): ProviderSpec<Config, Impl> {
  return spec;
}

/** What a provider package's entry exports by default. */
export type ProviderModule = ProviderSpec<any, any> | readonly ProviderSpec<any, any>[];

/**
 * The `cria` field of a provider package's package.json: how the core discovers providers without
 * importing every package at start-up.
 */
export interface ProviderPackageMetadata {
  providers: readonly { api: ProviderApi; providerType: string }[];
}
