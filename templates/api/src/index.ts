import { __apiName__Api } from './__api-kebab__-api.js';
import { memory__ApiName__ } from './__api-kebab__-memory.js';

export type { __ApiName__Api, __ApiName__Provider } from './__api-kebab__-protocol.js';
export type { __ApiName__CreateItemRequest, __ApiName__Item, __ApiName__ItemList, __ApiName__ListItemsQuery } from './__api-kebab__-schemas.js';
export type { Memory__ApiName__Settings } from './__api-kebab__-memory.js';
export { __apiName__Api } from './__api-kebab__-api.js';
export { __apiName__Schemas } from './__api-kebab__-schemas.js';
export { __ApiName__Router, DEFAULT_LIST_LIMIT } from './__api-kebab__-router.js';
export { Memory__ApiName__Provider, memory__ApiName__ } from './__api-kebab__-memory.js';

/**
 * What a distribution loads when it names this package with `module:`: the __api_name__ API and
 * its inline::memory provider.
 *
 * ```yaml
 * providers:
 *   __api_name__:
 *     - provider_id: memory
 *       provider_type: inline::memory
 *       module: __package_name__
 *       config: { max_items: 1000 }
 * ```
 */
export default [__apiName__Api, memory__ApiName__];
