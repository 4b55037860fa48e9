import { defineApi } from '@cria/api';
import { __ApiName__Router } from './__api-kebab__-router.js';
import { __apiName__Routes } from './__api-kebab__-routes.js';
import { __apiName__Schemas } from './__api-kebab__-schemas.js';

/**
 * The __api_name__ API: served when a distribution has a `providers.__api_name__` section. Cria
 * registers its schemas, builds its router from the enabled providers, and serves its routes
 * through the same request pipeline as every other API.
 */
export const __apiName__Api = defineApi({
  name: '__api_name__',
  description: 'Items kept by the distribution\'s __api_name__ providers.',
  kind: 'providers',
  schemas: __apiName__Schemas,
  createRouter: ({ providers }) => new __ApiName__Router(providers),
  routes: __apiName__Routes,
});
