import { NotFoundError, type ListRoutesQuery, type RouteInfo } from '@cria/api';
import type { Stack } from '@cria/core';
import { defineRoutes, type RouteDefinition, type RouteInput } from '../server-routes.js';

/** The provider types that serve a route's API (the routing-table APIs are served through their provider API). */
function providerTypes(stack: Stack, api: string): string[] {
  const providerApi = api === 'models' ? 'inference' : api;
  return [...new Set(stack.providers.filter((instance) => instance.api === providerApi).map((instance) => instance.providerType))];
}

/** Llama Stack also serves the inspect and providers routes under /v1alpha/admin (the client's `alpha.admin`). */
const ADMIN_ALIASES: Record<string, string> = {
  '/v1/health': '/v1alpha/admin/health',
  '/v1/version': '/v1alpha/admin/version',
  '/v1/providers': '/v1alpha/admin/providers',
  '/v1/providers/{provider_id}': '/v1alpha/admin/providers/{provider_id}',
  '/v1/inspect/routes': '/v1alpha/admin/inspect/routes',
};

export function inspectRoutes(table: () => readonly RouteDefinition[], version: string): RouteDefinition[] {
  const routes = stableRoutes(table, version);
  return [...routes, ...routes.map((route) => ({ ...route, path: ADMIN_ALIASES[route.path]!, api: 'admin', operation: `admin${route.operation[0]!.toUpperCase()}${route.operation.slice(1)}` }))];
}

function stableRoutes(table: () => readonly RouteDefinition[], version: string): RouteDefinition[] {
  return defineRoutes([
    {
      method: 'GET',
      path: '/v1/health',
      api: 'inspect',
      operation: 'health',
      summary: 'Whether the server is up.',
      response: 'HealthInfo',
      handler: () => ({ json: { status: 'OK' } }),
    },
    {
      method: 'GET',
      path: '/v1/version',
      api: 'inspect',
      operation: 'version',
      summary: 'The server\'s version.',
      response: 'VersionInfo',
      handler: () => ({ json: { version } }),
    },
    {
      method: 'GET',
      path: '/v1/providers',
      api: 'providers',
      operation: 'listProviders',
      summary: 'Every enabled provider with its config (secrets redacted) and health.',
      response: 'ProviderList',
      async handler({ stack }) {
        return { json: { data: await stack.providerInfo() } };
      },
    },
    {
      method: 'GET',
      path: '/v1/providers/{provider_id}',
      api: 'providers',
      operation: 'getProvider',
      summary: 'One provider, by provider_id.',
      response: 'ProviderInfo',
      async handler({ params, stack }) {
        const instance = stack.providers.find((candidate) => candidate.providerId === params.provider_id);
        if (!instance) throw new NotFoundError('provider', params.provider_id!, `Provider '${params.provider_id}' not found.`, { param: 'provider_id' });
        return { json: await stack.describe(instance) };
      },
    },
    {
      method: 'GET',
      path: '/v1/inspect/routes',
      api: 'inspect',
      operation: 'listRoutes',
      summary: 'The routes this server serves, with the provider types behind each.',
      query: 'ListRoutesQuery',
      response: 'RouteList',
      handler({ query, stack }: RouteInput<unknown, ListRoutesQuery>) {
        const filter = query.api_filter;
        const data: RouteInfo[] = table()
          .filter((route) => (filter === 'deprecated' ? route.deprecated : !route.deprecated && (!filter || route.path.startsWith(`/${filter}/`))))
          .map((route) => ({ route: route.path.replace('...}', '}'), method: route.method, provider_types: providerTypes(stack, route.api) }));
        return { json: { data } };
      },
    },
  ]);
}
