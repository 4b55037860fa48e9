import { randomUUID } from 'node:crypto';
import { defineProvider, type JsonSchema, NotFoundError } from '@cria/api';
import type { __ApiName__Provider } from './__api-kebab__-protocol.js';
import type { __ApiName__CreateItemRequest, __ApiName__Item } from './__api-kebab__-schemas.js';

/** Settings of inline::memory: the `config` of its entry in a distribution. */
export interface Memory__ApiName__Settings {
  /** How many items it keeps; past that, the oldest go first. 1000 by default. */
  max_items: number;
}

const configSchema: JsonSchema = {
  type: 'object',
  properties: { max_items: { type: 'integer', minimum: 1, default: 1000, description: 'How many items it keeps; past that, the oldest go first.' } },
  additionalProperties: false,
};

/** A __api_name__ provider that keeps its items in memory: they are gone when the server stops. */
export class Memory__ApiName__Provider implements __ApiName__Provider {
  /** By id, oldest first (a Map keeps insertion order). */
  private readonly items = new Map<string, __ApiName__Item>();

  constructor(private readonly settings: Memory__ApiName__Settings) {}

  async createItem(request: __ApiName__CreateItemRequest): Promise<__ApiName__Item> {
    const item: __ApiName__Item = {
      id: `item_${randomUUID()}`,
      object: '__api_name__.item',
      created_at: Math.floor(Date.now() / 1000),
      content: request.content,
      metadata: request.metadata ?? {},
    };
    this.items.set(item.id, item);
    for (const oldest of this.items.keys()) {
      if (this.items.size <= this.settings.max_items) break;
      this.items.delete(oldest);
    }
    return item;
  }

  async getItem(itemId: string): Promise<__ApiName__Item> {
    const item = this.items.get(itemId);
    if (!item) throw new NotFoundError('item', itemId, `No item with id '${itemId}'.`, { param: 'item_id' });
    return item;
  }

  async listItems(query: { limit: number }): Promise<__ApiName__Item[]> {
    return [...this.items.values()].reverse().slice(0, query.limit);
  }
}

/** The inline::memory provider of the __api_name__ API. */
export const memory__ApiName__ = defineProvider<'__api_name__', Memory__ApiName__Settings>({
  api: '__api_name__',
  providerType: 'inline::memory',
  description: 'Keeps __api_name__ items in memory (gone when the server stops).',
  configSchema,
  sampleConfig: { max_items: 1000 },
  create: (settings) => new Memory__ApiName__Provider(settings),
});
