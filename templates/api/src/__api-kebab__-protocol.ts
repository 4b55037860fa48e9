import type { RequestContext } from '@cria/api';
import type { __ApiName__CreateItemRequest, __ApiName__Item, __ApiName__ItemList } from './__api-kebab__-schemas.js';

/**
 * What a provider of the __api_name__ API implements. `defineProvider({ api: '__api_name__' })`
 * requires it, so a provider package for this API depends on this one for its types.
 */
export interface __ApiName__Provider {
  /** Keeps a new item (the request's `provider_id` has already picked this provider). */
  createItem(request: __ApiName__CreateItemRequest, context: RequestContext): Promise<__ApiName__Item>;
  /** Throws NotFoundError (from @cria/api) when this provider does not keep the item. */
  getItem(itemId: string, context: RequestContext): Promise<__ApiName__Item>;
  /** Its newest items first, at most `limit`. */
  listItems(query: { limit: number }, context: RequestContext): Promise<__ApiName__Item[]>;
}

/** The __api_name__ API as its routes and other APIs see it: the items of all its providers. */
export interface __ApiName__Api {
  createItem(request: __ApiName__CreateItemRequest, context: RequestContext): Promise<__ApiName__Item>;
  /** Throws NotFoundError (param `item_id`) when no provider keeps the item. */
  getItem(itemId: string, context: RequestContext): Promise<__ApiName__Item>;
  listItems(query: { limit?: number }, context: RequestContext): Promise<__ApiName__ItemList>;
}

// The API joins Cria's typed map of APIs: `defineApi({ name: '__api_name__' })`,
// `defineProvider({ api: '__api_name__' })` and `stack.api('__api_name__')` are typed by it.
declare module '@cria/api' {
  interface CriaApis {
    __api_name__: { provider: __ApiName__Provider; router: __ApiName__Api };
  }
}
