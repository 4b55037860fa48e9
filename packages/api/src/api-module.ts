import type { Readable } from 'node:stream';
import type { ApiName, ApiProvider, ApiRouter, ApiRouters } from './api-map.js';
import type { ApiSchemaTypes, DistributionConfig } from './generated/api-types.js';
import type { OutboundUrlGuard } from './outbound.js';
import type { GaugeRegistry, ProviderLifecycle, ProviderLogger, RequestContext } from './provider.js';
import type { ResourceRegistry } from './registry.js';
import type { JsonSchema } from './schemas/json-schema.js';
import type { KvStore, KvStoreRef, ProviderStorage, SqlStore, SqlStoreRef } from './storage.js';

/** The version of the API module contract; `defineApi` stamps it and the core checks it. */
export const API_MODULE_SPEC_VERSION = 1;

/** A schema name the validator knows: the core bundle's, or one an API module adds (merged into ApiSchemaTypes). */
export type SchemaName = keyof ApiSchemaTypes & string;

/** An upload's form as a multipart route's handler receives it. */
export interface MultipartUpload<Fields> {
  /** The file part, as soon as it starts; its bytes stream (never buffered). */
  file: Promise<{ filename: string; contentType: string; stream: Readable }>;
  /** The other form fields, validated against the route's form schema, once the whole form is read. */
  fields(): Promise<Fields>;
}

/** What a route's handler receives. `Body` and `Query` are the types of the route's schemas. */
export interface RouteInput<A extends ApiName, Body, Query, Form> {
  body: Body;
  query: Query;
  /** Path parameters by name (`{vector_store_id}`), decoded. */
  params: Readonly<Record<string, string>>;
  /** The upload, on multipart routes. */
  form: MultipartUpload<Form>;
  /** The request's headers, lower-cased. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  context: RequestContext;
  /** The router of the route's API. */
  api: ApiRouter<A>;
}

/** A handler's answer: a JSON object, events to send as SSE, bytes, or nothing (204). */
export type RouteResult =
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { sse: AsyncIterable<unknown>; done: boolean; /** Names each event by this field (`event: <value>`), as OpenAI's Responses stream does. */ eventField?: string }
  | { stream: Readable; contentType: string; headers?: Record<string, string> }
  | { status: 204 };

type Present<Name, Else> = Name extends SchemaName ? ApiSchemaTypes[Name] : Else;

/**
 * One route of an API. The route table is the single source of the HTTP router, of request
 * validation, of GET /v1/inspect/routes and of /openapi.json.
 */
export interface RouteSpec<A extends ApiName, Body extends SchemaName | undefined, Query extends SchemaName | undefined, Form extends SchemaName | undefined> {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  /** OpenAPI-style path; `{name}` is one segment, `{name...}` the rest of the path (ids with `/`). */
  path: string;
  /** A stable name, as an OpenAPI operationId. */
  operation: string;
  summary: string;
  /** The JSON body's schema. */
  requestBody?: Body;
  /** A multipart/form-data upload: the schema of its fields besides the file part `file`. */
  requestForm?: Form;
  query?: Query;
  /** The reply's schema. */
  response: SchemaName;
  /** The reply's media type when it is not JSON (a file's bytes). */
  responseContentType?: string;
  /** The schema of the SSE events sent when the body asks for `stream: true`. */
  streamEvent?: SchemaName;
  /** Routes that exist for the Llama Stack client but are deprecated there. */
  deprecated?: boolean;
  handler(input: RouteInput<A, Present<Body, undefined>, Present<Query, Record<string, never>>, Present<Form, Record<string, never>>>): Promise<RouteResult> | RouteResult;
}

/** A route as the server holds it: the API it belongs to, and its handler over erased types. */
export interface RouteDefinition {
  api: ApiName;
  method: RouteSpec<ApiName, undefined, undefined, undefined>['method'];
  path: string;
  operation: string;
  summary: string;
  requestBody?: SchemaName;
  requestForm?: SchemaName;
  query?: SchemaName;
  response: SchemaName;
  responseContentType?: string;
  streamEvent?: SchemaName;
  deprecated?: boolean;
  handler(input: RouteInput<ApiName, unknown, unknown, unknown>): Promise<RouteResult> | RouteResult;
}

/**
 * A route factory for one API: `const route = routesOf('files')`, then `route({...})` for each
 * route, with `body`, `query` and `form` typed by the schemas the route names.
 */
export function routesOf<A extends ApiName>(api: A) {
  return <const Body extends SchemaName | undefined = undefined, const Query extends SchemaName | undefined = undefined, const Form extends SchemaName | undefined = undefined>(
    spec: RouteSpec<A, Body, Query, Form>,
  ): RouteDefinition => ({ ...spec, api, handler: spec.handler as RouteDefinition['handler'] });
}

/** Optional lifecycle of a router or service the container builds. */
export interface RouterLifecycle {
  /** Called once, after the routers it depends on have started: open stores, load state. */
  start?(): Promise<void>;
  /** Called once at shutdown, before the providers are shut down. */
  close?(): Promise<void>;
}

/** One provider of an API, created. */
export interface ProviderHandle<A extends ApiName> {
  providerId: string;
  providerType: string;
  impl: ApiProvider<A> & ProviderLifecycle;
}

/** A store of the distribution's `storage.stores` section that an API module uses. */
export interface StoreDeclaration {
  /** Its key under `storage.stores` (Llama Stack's names: `inference`, `conversations`, ...). */
  name: string;
  kind: 'kv' | 'sql';
  description: string;
}

/** What building an API's router gets. */
export interface ApiRouterContext<A extends ApiName, Deps extends ApiName = never, OptionalDeps extends ApiName = never, ProvidersOf extends ApiName = A> {
  /** The enabled providers of the API (or of `providersOf`), in distribution order. */
  providers: readonly ProviderHandle<ProvidersOf>[];
  /** The routers of the API's dependencies, started. */
  deps: ApiRouters<Deps, OptionalDeps>;
  /** The distribution's config after env substitution (sections the API reads: `vector_stores`, ...). */
  config: Readonly<DistributionConfig>;
  /** The YAML path and file:line of a key of the config, for error messages. */
  locate(path: string): string;
  /** The stores the module declared, opened on first use; null when the distribution does not configure them. */
  store(name: string, kind: 'kv'): Promise<KvStore | null>;
  store(name: string, kind: 'sql'): Promise<SqlStore | null>;
  /** The reference of a declared store as configured, or null. */
  storeRef(name: string): KvStoreRef | SqlStoreRef | null;
  storage: ProviderStorage;
  /** The one registry of resources (models, vector stores, shields, ...). */
  registry: ResourceRegistry;
  logger: ProviderLogger;
  /** The directory of the distribution file. */
  distributionDir: string;
  /** Checks (and fetches) URLs taken from requests under the distribution's `server.outbound` rules. */
  outbound: OutboundUrlGuard;
  /** The stack's gauges (queue depths, write lag), read by the telemetry providers. */
  gauges: GaugeRegistry;
  /** The server's version (for the inspect API). */
  version: string;
  /** Every route the server serves (for the inspect API). */
  routes(): readonly RouteDefinition[];
  /** Every enabled provider of every API (for the providers API). */
  allProviders(): readonly (ProviderHandle<ApiName> & { api: ApiName; config: Record<string, unknown>; secretConfigKeys: readonly string[] })[];
}

/** A bundle of JSON Schemas an API module adds to the validator: `{ $id, definitions }`. */
export interface SchemaBundle {
  $id: string;
  definitions: Record<string, JsonSchema>;
}

/**
 * An API: its name, the APIs it depends on, its schemas and stores, how its router is built from
 * its providers (by the container), and its routes. The core serves one list of these; more
 * come from packages a distribution names (`external_apis_dir`, `module:`).
 */
export interface ApiModule<A extends ApiName = ApiName, Deps extends ApiName = never, OptionalDeps extends ApiName = never, ProvidersOf extends ApiName = A> {
  readonly specVersion: number;
  name: A;
  description: string;
  /**
   * `providers`: served when the distribution has a `providers.<name>` section (or lists it in
   * `apis`); `core`: served by the core alone whenever its dependencies are.
   */
  kind: 'providers' | 'core';
  dependencies?: readonly Deps[];
  optionalDependencies?: readonly OptionalDeps[];
  /** Routes to the providers of another API (the models routing table routes to inference providers). */
  providersOf?: ProvidersOf;
  /** Schemas its routes name beyond the core bundle. */
  schemas?: SchemaBundle;
  stores?: readonly StoreDeclaration[];
  /** Builds the router (synchronously; async work goes in its `start`). */
  createRouter(context: ApiRouterContext<A, Deps, OptionalDeps, ProvidersOf>): ApiRouter<A> & RouterLifecycle;
  routes?: readonly RouteDefinition[];
}

/** An API module of any API, as the core handles them: the same fields, with the router's types erased. */
export interface AnyApiModule extends Omit<ApiModule, 'dependencies' | 'optionalDependencies' | 'providersOf' | 'createRouter'> {
  dependencies?: readonly ApiName[];
  optionalDependencies?: readonly ApiName[];
  providersOf?: ApiName;
  createRouter(context: never): RouterLifecycle;
}

/** Types an API module by its name in the API map and stamps the contract version. */
export function defineApi<A extends ApiName, const Deps extends ApiName = never, const OptionalDeps extends ApiName = never, const ProvidersOf extends ApiName = A>(
  module: Omit<ApiModule<A, Deps, OptionalDeps, ProvidersOf>, 'specVersion'>,
): ApiModule<A, Deps, OptionalDeps, ProvidersOf> {
  return { ...module, specVersion: API_MODULE_SPEC_VERSION };
}

/**
 * Builds a module's router from a context of erased types. The core holds modules of many APIs
 * in one list; the context it assembles for each is the one the module's own types describe.
 */
export function createApiRouter(module: AnyApiModule, context: ErasedRouterContext): RouterLifecycle {
  return (module.createRouter as (context: ErasedRouterContext) => RouterLifecycle)(context);
}

/** A router context whose API and dependencies are known only at run time. */
export type ErasedRouterContext = ApiRouterContext<ApiName, never, ApiName, ApiName>;
