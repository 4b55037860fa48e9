import { type ApiRouterContext, defineApi, type InspectApi, type ListRoutesQuery, type RouteList } from '@cria/api';
import { inspectRoutes } from './inspect-routes.js';

/** What the inspect API reports, from the running stack. */
class InspectRouter implements InspectApi {
  constructor(private readonly context: Pick<ApiRouterContext<'inspect'>, 'version' | 'routes' | 'allProviders'>) {}

  async health() {
    return { status: 'OK' as const };
  }

  async version() {
    return { version: this.context.version };
  }

  async listRoutes(query: ListRoutesQuery): Promise<RouteList> {
    const filter = query.api_filter;
    const providers = this.context.allProviders();
    const typesOf = new Map<string, string[]>();
    const providerTypes = (api: string) => {
      let types = typesOf.get(api);
      if (!types) typesOf.set(api, (types = [...new Set(providers.filter((provider) => provider.api === api).map((provider) => provider.providerType))]));
      return types;
    };
    const data = this.context
      .routes()
      .filter((route) => (filter === 'deprecated' ? route.deprecated : !route.deprecated && (!filter || route.path.startsWith(`/${filter}/`))))
      // The models routing table routes to the inference providers.
      .map((route) => ({ route: route.path.replace('...}', '}'), method: route.method, provider_types: providerTypes(route.api === 'models' ? 'inference' : route.api) }));
    return { data };
  }
}

/** Llama Stack's inspect API: health, version and the route table (also under /v1alpha/admin). */
export const inspectApi = defineApi({
  name: 'inspect',
  description: 'Health, version and the routes this server serves.',
  kind: 'core',
  createRouter: (context) => new InspectRouter(context),
  routes: inspectRoutes,
});
