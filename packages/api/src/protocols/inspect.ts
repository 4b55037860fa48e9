import type { HealthInfo, ListRoutesQuery, ProviderInfo, ProviderList, RouteList, VersionInfo } from '../generated/api-types.js';

/** Llama Stack's inspect API: whether the server is up, its version, and the routes it serves. */
export interface InspectApi {
  health(): Promise<HealthInfo>;
  version(): Promise<VersionInfo>;
  listRoutes(query: ListRoutesQuery): Promise<RouteList>;
}

/** Llama Stack's providers API: the enabled providers, secrets redacted, with their health. */
export interface ProvidersApi {
  listProviders(): Promise<ProviderList>;
  /** Throws NotFoundError for an unknown provider_id. */
  getProvider(providerId: string): Promise<ProviderInfo>;
}
