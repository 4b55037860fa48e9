import { type ApiRouterContext, defineApi, type HealthResult, NotFoundError, type ProviderInfo, type ProviderList, type ProvidersApi, routesOf } from '@cria/api';
import { withAdminAlias } from '../inspect/inspect-routes.js';

type RunningProvider = ReturnType<ApiRouterContext<'providers'>['allProviders']>[number];

const SECRET_KEY = /(api_key|apikey|password|secret|token|credential)/i;
const HEALTH_TIMEOUT_MS = 5_000;

function redact(value: unknown, secretKeys: ReadonlySet<string>, key = ''): unknown {
  if (Array.isArray(value)) return value.map((entry) => redact(entry, secretKeys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, redact(entry, secretKeys, name)]));
  }
  if (value !== null && value !== undefined && value !== '' && (secretKeys.has(key) || SECRET_KEY.test(key))) return '********';
  return value;
}

async function health(provider: RunningProvider): Promise<HealthResult> {
  // An in-process provider that started has nothing outside the process to check; a remote one
  // without a check cannot tell (Llama Stack's answer for both).
  if (!provider.impl.health) return provider.providerType.startsWith('inline::') ? { status: 'OK' } : { status: 'Not Implemented' };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      provider.impl.health(),
      new Promise<HealthResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'Error', message: `health check timed out after ${HEALTH_TIMEOUT_MS / 1000} s` }), HEALTH_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    return { status: 'Error', message: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Every enabled provider, secrets redacted, with its health. */
class ProvidersRouter implements ProvidersApi {
  constructor(private readonly all: () => readonly RunningProvider[]) {}

  async listProviders(): Promise<ProviderList> {
    return { data: await Promise.all(this.all().map((provider) => this.describe(provider))) };
  }

  async getProvider(providerId: string): Promise<ProviderInfo> {
    const provider = this.all().find((candidate) => candidate.providerId === providerId);
    if (!provider) throw new NotFoundError('provider', providerId, `Provider '${providerId}' not found.`, { param: 'provider_id' });
    return this.describe(provider);
  }

  private async describe(provider: RunningProvider): Promise<ProviderInfo> {
    const config = redact(provider.config, new Set(provider.secretConfigKeys));
    return {
      api: provider.api,
      provider_id: provider.providerId,
      provider_type: provider.providerType,
      config: config && typeof config === 'object' && !Array.isArray(config) ? Object.fromEntries(Object.entries(config)) : {},
      health: await health(provider),
    };
  }
}

const route = routesOf('providers');

/** Llama Stack's providers API (also under /v1alpha/admin). */
export const providersApi = defineApi({
  name: 'providers',
  description: 'The enabled providers, their config (secrets redacted) and health.',
  kind: 'core',
  createRouter: ({ allProviders }) => new ProvidersRouter(allProviders),
  routes: withAdminAlias([
    route({
      method: 'GET',
      path: '/v1/providers',
      operation: 'listProviders',
      summary: 'Every enabled provider with its config (secrets redacted) and health.',
      response: 'ProviderList',
      async handler({ api }) {
        return { json: await api.listProviders() };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/providers/{provider_id}',
      operation: 'getProvider',
      summary: 'One provider, by provider_id.',
      response: 'ProviderInfo',
      async handler({ params, api }) {
        return { json: await api.getProvider(params.provider_id!) };
      },
    }),
  ]),
});
