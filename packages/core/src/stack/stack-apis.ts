import type { ProviderApi, ProviderLogger } from '@cria/api';
import type { Distribution } from '../distribution/distribution-loader.js';
import type { StorageBackends } from '../storage/storage-backends.js';
import type { ProviderInstance } from './stack-types.js';

/** What assembling one API's router gets: its providers, created, and the routers built before it. */
export interface ApiAssemblyContext {
  distribution: Distribution;
  storage: StorageBackends;
  logger: ProviderLogger;
  /** The API's provider instances, in distribution order. */
  instances: readonly ProviderInstance[];
  /** Routers of the APIs assembled earlier (dependencies come first). */
  routers: ReadonlyMap<ProviderApi, unknown>;
}

export interface AssembledApi {
  /** What providers depending on this API receive, and what the server routes to. */
  router: unknown;
  /** More values for the container (routing tables, stores), by name. */
  registrations?: Record<string, unknown>;
  /** Called at shutdown, before the providers are shut down. */
  close?(): Promise<void>;
}

/** Builds an API's router from its providers. One per API this release serves. */
export type ApiAssembler = (context: ApiAssemblyContext) => Promise<AssembledApi>;

/** The container name of an API's router: `inferenceRouter`, `vectorIoRouter`, ... */
export function routerName(api: ProviderApi): string {
  return `${api.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())}Router`;
}
