import { type ApiName, ConfigError, type ProviderHandle } from '@cria/api';

/**
 * The one provider of an API that has no routing table (responses, agents): its router is that
 * provider. None, or more than one, is a ConfigError naming the distribution's section.
 */
export function singleProvider<A extends ApiName>(api: A, providers: readonly ProviderHandle<A>[]): ProviderHandle<A>['impl'] {
  const [provider, ...others] = providers;
  if (!provider || others.length > 0) {
    throw new ConfigError(`providers.${api}`, `The ${api} API takes one provider; the distribution enables ${providers.map((handle) => handle.providerId).join(', ') || 'none'}.`);
  }
  return provider.impl;
}
