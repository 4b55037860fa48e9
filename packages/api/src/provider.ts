import type { ApiName, ApiProvider, ApiRouters, ProviderApiName } from './api-map.js';
import type { HealthResult, VectorStoresConfig } from './generated/api-types.js';
import type { OutboundUrlGuard } from './outbound.js';
import type { JsonSchema } from './schemas/json-schema.js';
import type { ProviderStorage } from './storage.js';

/**
 * The version of the provider contract this copy of @cria/api defines. `defineProvider` stamps it
 * on every definition; the core refuses a definition made for a contract it does not speak
 * (a provider built against a newer or older major @cria/api), naming the package.
 */
export const PROVIDER_SPEC_VERSION = 1;

/** A JSON Schema compiled to a function (ajv's ValidateFunction shape): true when the value is valid. */
export type PrecompiledValidator = (value: unknown) => boolean;

/** What a provider learns about the request it is serving. */
export interface RequestContext {
  /** Aborts when the client disconnects or the request is cancelled; pass it to upstream calls. */
  signal: AbortSignal;
  /**
   * Calls `listener` once if the request is aborted; returns a function that removes it. The same
   * event as `signal`, without making an AbortSignal (which costs more than a small request's
   * JSON work): for hot paths that can abort by callback. Contexts made outside a request may
   * lack it; use `signal` then (see `onRequestAbort` in @cria/provider-utils).
   */
  onAbort?(listener: (reason: Error) => void): () => void;
  /**
   * The JSON object of the `X-LlamaStack-Provider-Data` header (per-request credentials such as
   * `{"openai_api_key": "..."}`), or null.
   */
  providerData: Readonly<Record<string, unknown>> | null;
  /**
   * The OpenTelemetry context of a traced request (an @opentelemetry/api `Context` holding the
   * span that work done for the request is a child of); absent when the request is not traced.
   * It travels with the request explicitly rather than in AsyncLocalStorage, which slows every
   * promise of the process: a provider that makes spans starts them in it (`tracer.startSpan(name,
   * options, context.traceContext)`), and hands on a context whose `traceContext` holds its span.
   */
  traceContext?: TraceContext;
  /**
   * The server's logger for this request: its lines carry the request's id and, in a traced
   * request, the trace and span ids of the work at hand. Log what happens while serving a request
   * through it (`context.logger ?? this.logger`), and hand it on in a context made from this one.
   * Contexts made outside a request may lack it.
   */
  logger?: ProviderLogger;
}

/** An OpenTelemetry context (the `Context` interface of @opentelemetry/api, which it matches). */
export interface TraceContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): TraceContext;
  deleteValue(key: symbol): TraceContext;
}

export interface ProviderLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What `create` receives besides the provider's config. */
export interface ProviderContext<Deps = Partial<ApiRouters<never, ApiName>>> {
  /** The id this instance has in the distribution (`provider_id`). */
  providerId: string;
  providerType: string;
  /** The routers of the APIs named in `dependencies` (always there) and `optionalDependencies` (when served). */
  deps: Deps;
  storage: ProviderStorage;
  logger: ProviderLogger;
  /** The directory of the distribution file; relative paths in config resolve against it. */
  distributionDir: string;
  /**
   * The distribution's `vector_stores` section as written (null when absent), for providers that
   * format retrieval results with its templates (Llama Stack hands it to such providers as their
   * `vector_stores_config`). Contexts made outside a stack may lack it.
   */
  vectorStoresConfig?: Readonly<VectorStoresConfig> | null;
  /** Checks (and fetches) URLs taken from requests under the distribution's `server.outbound` rules. */
  outbound: OutboundUrlGuard;
  /** Where the provider puts gauges (its queues' depths) for the telemetry providers; contexts made outside a stack may lack it. */
  gauges?: GaugeRegistry;
}

/** One value of a gauge, with its labels (a model, a backend). */
export interface GaugeSample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** A value read when metrics are collected, not recorded per request: a queue's depth, a lag. */
export interface Gauge {
  /** Prometheus' naming: `cria_<subject>_<unit>`. */
  name: string;
  help: string;
  /** The current values; called at each collection, so it only reads. */
  collect(): readonly GaugeSample[];
}

/** The stack's gauges: the core and providers register them, telemetry providers read them. */
export interface GaugeRegistry {
  /** Adds a gauge. Gauges of one name are one family (two providers of a type, say): their samples are reported together, told apart by their labels. */
  register(gauge: Gauge): void;
  list(): readonly Gauge[];
}

/** Optional lifecycle every provider implementation may have. */
export interface ProviderLifecycle {
  /** Reported by GET /v1/providers; a provider that cannot tell omits it. */
  health?(): Promise<HealthResult>;
  /** Called once at server shutdown: close pools, flush queues, finalize native handles. */
  shutdown?(): Promise<void>;
}

/**
 * A provider's declarative definition: what it implements, how it is configured, and a factory.
 * The core validates `config` against `configSchema` (with defaults applied) before `create`.
 */
export interface ProviderSpec<A extends ProviderApiName = ProviderApiName, Config = Record<string, unknown>, Deps extends ApiName = never, OptionalDeps extends ApiName = never> {
  /** Stamped by `defineProvider`: the contract version it was made for. */
  readonly specVersion: number;
  api: A;
  /** Llama Stack's naming: `remote::<name>` for a service, `inline::<name>` for in-process. */
  providerType: string;
  description: string;
  /** JSON Schema of `config`; defaults in it are applied before validation. */
  configSchema: JsonSchema;
  /**
   * `configSchema` compiled ahead of time (ajv's standalone code, defaults applied), so the core
   * need not compile it at start-up; it must check exactly `configSchema`. Without it the core
   * compiles the schema.
   */
  configValidator?: PrecompiledValidator;
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
  dependencies?: readonly Deps[];
  /** APIs this provider uses when the distribution serves them. */
  optionalDependencies?: readonly OptionalDeps[];
  /** npm packages or system tools the provider needs at run time, for `cria list-providers`. */
  requirements?: readonly string[];
  /**
   * Environment variables the provider reads itself, besides the `${env.X}` references of its
   * sample config (e.g. `HF_TOKEN`, `OTEL_EXPORTER_OTLP_ENDPOINT`), for `cria list-providers`.
   */
  environment?: readonly string[];
  create(config: Config, context: ProviderContext<ApiRouters<Deps, OptionalDeps>>): Promise<ApiProvider<A> & ProviderLifecycle> | (ApiProvider<A> & ProviderLifecycle);
}

/**
 * A provider definition of any API, as the core handles them: the same fields, with the API,
 * its dependencies and the factory's types erased (external APIs are not in the map statically).
 */
export interface AnyProviderSpec extends Omit<ProviderSpec, 'api' | 'dependencies' | 'optionalDependencies' | 'create'> {
  api: ApiName;
  dependencies?: readonly ApiName[];
  optionalDependencies?: readonly ApiName[];
  create(config: never, context: ProviderContext<never>): Promise<ProviderLifecycle> | ProviderLifecycle;
}

/**
 * Types a provider definition by its API (an `inference` provider must return an
 * InferenceProvider) and stamps the contract version.
 */
export function defineProvider<A extends ProviderApiName, Config = Record<string, unknown>, const Deps extends ApiName = never, const OptionalDeps extends ApiName = never>(
  spec: Omit<ProviderSpec<A, Config, Deps, OptionalDeps>, 'specVersion'>,
): ProviderSpec<A, Config, Deps, OptionalDeps> {
  return { ...spec, specVersion: PROVIDER_SPEC_VERSION };
}

/** What a provider package's entry exports by default: one definition or a list. */
export type ProviderModule = AnyProviderSpec | readonly AnyProviderSpec[];

/** A command a provider package adds to the `cria` CLI (`cria pull`, ...). */
export interface CliCommandMetadata {
  name: string;
  /** One line for `cria --help`. */
  description: string;
  /** Usage line shown in `cria --help`, e.g. `pull <uri> [--models-dir D]`. */
  usage?: string;
  /** The module (relative to the package) whose default export is the command. */
  module: string;
}

/**
 * The `cria` field of a provider (or API) package's package.json: how the core discovers what a
 * package offers without importing it at start-up.
 */
export interface CriaPackageMetadata {
  providers?: readonly { api: string; providerType: string }[];
  /** API modules the package defines (its default export, or `module` relative to the package). */
  apis?: readonly { name: string; module?: string }[];
  commands?: readonly CliCommandMetadata[];
}

/** A command contributed to the CLI: the module named by `CliCommandMetadata.module` exports it by default. */
export interface CliCommand {
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number>;
}

export function defineCliCommand(command: CliCommand): CliCommand {
  return command;
}

/**
 * Calls a provider definition's factory with a config already validated against its
 * `configSchema` (so it has the definition's own Config type) and the routers of its dependencies.
 */
export async function createProviderInstance(spec: AnyProviderSpec, config: Record<string, unknown>, context: ProviderContext<Partial<ApiRouters<never, ApiName>>>): Promise<ApiProvider<ApiName> & ProviderLifecycle> {
  type Create = (config: Record<string, unknown>, context: ProviderContext<Partial<ApiRouters<never, ApiName>>>) => Promise<ApiProvider<ApiName> & ProviderLifecycle> | (ApiProvider<ApiName> & ProviderLifecycle);
  return (spec.create as Create)(config, context);
}
