import { InvalidRequestError, NotFoundError, type ProviderHandle, type RequestContext } from '@cria/api';
import type { __ApiName__Api, __ApiName__Provider } from './__api-kebab__-protocol.js';
import type { __ApiName__CreateItemRequest, __ApiName__Item, __ApiName__ItemList } from './__api-kebab__-schemas.js';

/** How many items a list returns when the query does not say. */
export const DEFAULT_LIST_LIMIT = 20;

/**
 * Routes the __api_name__ API over the distribution's providers of it: a new item goes to the
 * provider its request names (the first one by default), a lookup asks each provider in turn, and
 * a list merges theirs, newest first.
 */
export class __ApiName__Router implements __ApiName__Api {
  constructor(private readonly providers: readonly ProviderHandle<'__api_name__'>[]) {}

  createItem(request: __ApiName__CreateItemRequest, context: RequestContext): Promise<__ApiName__Item> {
    return this.providerFor(request.provider_id).createItem(request, context);
  }

  async getItem(itemId: string, context: RequestContext): Promise<__ApiName__Item> {
    for (const provider of this.providers) {
      try {
        return await provider.impl.getItem(itemId, context);
      } catch (error) {
        // Another provider may keep it; any other failure is the answer.
        if (!NotFoundError.is(error)) throw error;
      }
    }
    throw new NotFoundError('item', itemId, `No item with id '${itemId}'.`, { param: 'item_id' });
  }

  async listItems(query: { limit?: number }, context: RequestContext): Promise<__ApiName__ItemList> {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    const lists = await Promise.all(this.providers.map((provider) => provider.impl.listItems({ limit }, context)));
    // A stable sort: items of the same second keep each provider's own newest-first order.
    const data = lists.flat().sort((a, b) => b.created_at - a.created_at).slice(0, limit);
    return { object: 'list', data };
  }

  private providerFor(providerId: string | undefined): __ApiName__Provider {
    const provider = providerId === undefined ? this.providers[0] : this.providers.find((candidate) => candidate.providerId === providerId);
    if (provider) return provider.impl;
    if (providerId === undefined) throw new InvalidRequestError('This distribution has no __api_name__ provider enabled (providers.__api_name__).');
    const known = this.providers.map((candidate) => candidate.providerId).join(', ');
    throw new InvalidRequestError(`provider_id '${providerId}' is not a __api_name__ provider of this distribution (providers: ${known}).`, { param: 'provider_id' });
  }
}
