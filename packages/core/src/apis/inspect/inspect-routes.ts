import { type RouteDefinition, routesOf } from '@cria/api';

/** Llama Stack also serves the inspect and providers routes under /v1alpha/admin (the client's `alpha.admin`). */
export function withAdminAlias(routes: readonly RouteDefinition[]): RouteDefinition[] {
  return [
    ...routes,
    ...routes.map((route) => ({
      ...route,
      path: route.path.replace(/^\/v1\//, '/v1alpha/admin/'),
      operation: `admin${route.operation[0]!.toUpperCase()}${route.operation.slice(1)}`,
    })),
  ];
}

const route = routesOf('inspect');

export const inspectRoutes = withAdminAlias([
  route({
    method: 'GET',
    path: '/v1/health',
    operation: 'health',
    summary: 'Whether the server is up.',
    response: 'HealthInfo',
    async handler({ api }) {
      return { json: await api.health() };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/version',
    operation: 'version',
    summary: 'The server\'s version.',
    response: 'VersionInfo',
    async handler({ api }) {
      return { json: await api.version() };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/inspect/routes',
    operation: 'listRoutes',
    summary: 'The routes this server serves, with the provider types behind each.',
    query: 'ListRoutesQuery',
    response: 'RouteList',
    async handler({ query, api }) {
      return { json: await api.listRoutes(query) };
    },
  }),
]);
