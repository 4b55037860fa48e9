import type { ProviderApi, ProviderLifecycle, ProviderSpec } from '@cria/api';

/** One provider of the distribution, created. */
export interface ProviderInstance {
  api: ProviderApi;
  providerId: string;
  providerType: string;
  /** The config after validation, with the schema's defaults. */
  config: Record<string, unknown>;
  spec: ProviderSpec<any, any>;
  impl: ProviderLifecycle & Record<string, any>;
}
