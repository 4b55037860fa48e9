import type { SchemaBundle } from '@cria/api';

/** An item the __api_name__ API keeps. */
export interface __ApiName__Item {
  id: string;
  object: '__api_name__.item';
  /** Unix time in seconds. */
  created_at: number;
  content: string;
  metadata: Record<string, string>;
}

/** POST /v1/__api-kebab__/items. */
export interface __ApiName__CreateItemRequest {
  content: string;
  metadata?: Record<string, string>;
  /** The provider that keeps the item; the first one of the distribution by default. */
  provider_id?: string;
}

/** The query of GET /v1/__api-kebab__/items. */
export interface __ApiName__ListItemsQuery {
  /** At most this many items, newest first (1 to 100, 20 by default). */
  limit?: number;
}

/** GET /v1/__api-kebab__/items. */
export interface __ApiName__ItemList {
  object: 'list';
  data: __ApiName__Item[];
}

// The schemas' types, by the names routes give them: `routesOf('__api_name__')` then types each
// route's `body` and `query` by the schema it names, as it does for the core's routes.
declare module '@cria/api' {
  interface ApiSchemaTypes {
    __ApiName__Item: __ApiName__Item;
    __ApiName__CreateItemRequest: __ApiName__CreateItemRequest;
    __ApiName__ListItemsQuery: __ApiName__ListItemsQuery;
    __ApiName__ItemList: __ApiName__ItemList;
  }
}

const metadata = { type: 'object', additionalProperties: { type: 'string' } } as const;

/**
 * The JSON Schemas of the API's requests and replies. The server validates bodies and query
 * strings against them (a 400 naming the bad field) and publishes them in /openapi.json. Keep
 * them in step with the interfaces above.
 */
export const __apiName__Schemas: SchemaBundle = {
  $id: 'urn:cria-api:__api_name__',
  definitions: {
    __ApiName__Item: {
      type: 'object',
      description: 'An item the __api_name__ API keeps.',
      properties: {
        id: { type: 'string' },
        object: { type: 'string', const: '__api_name__.item' },
        created_at: { type: 'integer', description: 'Unix time in seconds.' },
        content: { type: 'string' },
        metadata,
      },
      required: ['id', 'object', 'created_at', 'content', 'metadata'],
    },
    __ApiName__CreateItemRequest: {
      type: 'object',
      description: 'POST /v1/__api-kebab__/items.',
      properties: {
        content: { type: 'string', minLength: 1 },
        metadata,
        provider_id: { type: 'string', description: 'The provider that keeps the item; the first one by default.' },
      },
      required: ['content'],
      additionalProperties: false,
    },
    __ApiName__ListItemsQuery: {
      type: 'object',
      properties: { limit: { type: 'integer', minimum: 1, maximum: 100, description: 'At most this many items, newest first (20 by default).' } },
      additionalProperties: false,
    },
    __ApiName__ItemList: {
      type: 'object',
      description: 'GET /v1/__api-kebab__/items.',
      properties: { object: { type: 'string', const: 'list' }, data: { type: 'array', items: { $ref: '#/definitions/__ApiName__Item' } } },
      required: ['object', 'data'],
    },
  },
};
