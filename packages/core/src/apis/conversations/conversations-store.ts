import { randomBytes } from 'node:crypto';
import {
  InvalidRequestError,
  NotFoundError,
  type ConversationItem,
  type ConversationItemInput,
  type ConversationItemList,
  type ConversationMetadata,
  type ConversationResource,
  type SqlRow,
  type SqlStore,
} from '@cria/api';

/** Llama Stack's CONVERSATION_ID_PATTERN: `conv_` and 48 lowercase hex digits. */
const CONVERSATION_ID = /^conv_[0-9a-f]{48}$/;

/** Items Llama Stack's stored type has a `status` for, and OpenAI's published schema requires one of. */
const TYPES_WITH_STATUS = new Set(['message', 'function_call', 'function_call_output']);

export interface ConversationsStoreOptions {
  /** The conversations table (`storage.stores.conversations.table_name`). */
  table?: string;
  /** The items table; Llama Stack names it `conversation_items` whatever the conversations table is called. */
  itemsTable?: string;
}

/**
 * Conversations and their items in a SQL store, in Llama Stack's two tables
 * (`openai_conversations`, `conversation_items`). Items carry a `sequence` (microseconds since
 * the epoch, strictly increasing) they are listed and paged by: Llama Stack orders by
 * `created_at` seconds plus the item's index, which ties between two requests in one second.
 */
export class ConversationsStore {
  private readonly table: string;
  private readonly itemsTable: string;
  private lastSequence = 0;
  private sqlStore: SqlStore | null = null;

  /** `open` gives the SQL store the tables are in; it is called once, by `initialize`. */
  constructor(private readonly open: () => Promise<SqlStore>, options: ConversationsStoreOptions = {}) {
    this.table = options.table ?? 'openai_conversations';
    this.itemsTable = options.itemsTable ?? 'conversation_items';
  }

  private get sql(): SqlStore {
    if (!this.sqlStore) throw new Error('the conversations store is used before initialize()');
    return this.sqlStore;
  }

  async initialize(): Promise<void> {
    this.sqlStore = await this.open();
    await this.sql.createTable(this.table, {
      id: { type: 'text', primaryKey: true },
      created_at: { type: 'integer', nullable: false },
      // Llama Stack's deprecated copy of the items, kept for its layout; items live in the items table.
      items: 'json',
      metadata: 'json',
    });
    await this.sql.createTable(this.itemsTable, {
      id: { type: 'text', primaryKey: true },
      conversation_id: { type: 'text', nullable: false },
      created_at: { type: 'integer', nullable: false },
      item_data: 'json',
    });
    // Llama Stack's table has no sequence column (Cria adds it; rows Llama Stack wrote have none and are not ordered).
    await this.sql.addColumnIfMissing(this.itemsTable, 'sequence', 'integer');
    const newest = await this.sql.fetchAll(this.itemsTable, { orderBy: [['sequence', 'desc']], limit: 1 });
    this.lastSequence = Number(newest.rows[0]?.sequence ?? 0);
  }

  async create(items: readonly ConversationItemInput[], metadata: ConversationMetadata | null): Promise<ConversationResource> {
    const id = `conv_${randomBytes(24).toString('hex')}`;
    const createdAt = Math.floor(Date.now() / 1000);
    const conversation: ConversationResource = { id, object: 'conversation', created_at: createdAt, metadata };
    await this.sql.insert(this.table, { id, created_at: createdAt, items: null, metadata });
    if (items.length) await this.writeItems(id, items, 'items');
    return conversation;
  }

  async get(conversationId: string): Promise<ConversationResource> {
    if (!CONVERSATION_ID.test(conversationId)) {
      throw new InvalidRequestError(`Invalid 'conversation_id': '${conversationId}'. Expected an ID that begins with 'conv_' followed by 48 lowercase hex characters.`, { param: 'conversation_id' });
    }
    const row = await this.sql.fetchOne(this.table, { id: conversationId });
    if (!row) throw new NotFoundError('conversation', conversationId, `Conversation with id '${conversationId}' not found.`, { param: 'conversation_id' });
    return { id: String(row.id), object: 'conversation', created_at: Number(row.created_at), metadata: (row.metadata as ConversationMetadata | null) ?? null };
  }

  async updateMetadata(conversationId: string, metadata: ConversationMetadata): Promise<ConversationResource> {
    const conversation = await this.get(conversationId);
    await this.sql.update(this.table, { metadata }, { id: conversationId });
    return { ...conversation, metadata };
  }

  async delete(conversationId: string): Promise<void> {
    await this.get(conversationId);
    // Llama Stack leaves a deleted conversation's items behind; they could never be read again.
    await this.sql.delete(this.itemsTable, { conversation_id: conversationId });
    await this.sql.delete(this.table, { id: conversationId });
  }

  /** Adds items after the conversation's last; `param` names the request field for errors. */
  async addItems(conversationId: string, items: readonly ConversationItemInput[], param = 'items'): Promise<ConversationItem[]> {
    await this.get(conversationId);
    return this.writeItems(conversationId, items, param);
  }

  async listItems(conversationId: string, options: { after?: string; limit?: number; order?: 'asc' | 'desc' }): Promise<ConversationItemList> {
    await this.get(conversationId);
    if (options.after !== undefined && !(await this.sql.fetchOne(this.itemsTable, { id: options.after, conversation_id: conversationId }))) {
      throw new InvalidRequestError(`No item '${options.after}' in conversation '${conversationId}' to list after.`, { param: 'after' });
    }
    const order = options.order ?? 'desc';
    const { rows, hasMore } = await this.sql.fetchAll(this.itemsTable, {
      where: { conversation_id: conversationId },
      orderBy: [['sequence', order]],
      limit: options.limit ?? 20,
      ...(options.after !== undefined ? { after: { column: 'id', value: options.after } } : {}),
    });
    const data = rows.map((row) => row.item_data as ConversationItem);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  async getItem(conversationId: string, itemId: string): Promise<ConversationItem> {
    await this.get(conversationId);
    const row = await this.sql.fetchOne(this.itemsTable, { id: itemId, conversation_id: conversationId });
    if (!row) throw new NotFoundError('conversation item', itemId, `Item with id '${itemId}' not found in conversation '${conversationId}'.`, { param: 'item_id' });
    return row.item_data as ConversationItem;
  }

  async deleteItem(conversationId: string, itemId: string): Promise<ConversationResource> {
    const conversation = await this.get(conversationId);
    const deleted = await this.sql.delete(this.itemsTable, { id: itemId, conversation_id: conversationId });
    if (deleted === 0) throw new NotFoundError('conversation item', itemId, `Item with id '${itemId}' not found in conversation '${conversationId}'.`, { param: 'item_id' });
    return conversation;
  }

  private async writeItems(conversationId: string, inputs: readonly ConversationItemInput[], param: string): Promise<ConversationItem[]> {
    const createdAt = Math.floor(Date.now() / 1000);
    const items = inputs.map(storedItem);
    const fresh: SqlRow[] = [];
    const replacing: SqlRow[] = [];
    for (const [index, item] of items.entries()) {
      const existing = await this.sql.fetchOne(this.itemsTable, { id: item.id });
      // Ids are unique across conversations (the table's key); re-adding an item to its own
      // conversation replaces it, as Llama Stack's upsert does, but it must not move it out of another.
      if (existing && existing.conversation_id !== conversationId) {
        throw new InvalidRequestError(`Item id '${item.id}' is already used in another conversation.`, { param: `${param}[${index}].id` });
      }
      this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1000);
      const row = { id: item.id, conversation_id: conversationId, created_at: createdAt, item_data: item, sequence: this.lastSequence };
      (existing || items.findIndex((other) => other.id === item.id) !== index ? replacing : fresh).push(row);
    }
    // New items go in one transaction; the few that replace one (an id given twice) one by one, in order.
    if (fresh.length) await this.sql.insert(this.itemsTable, fresh);
    for (const row of replacing) await this.sql.upsert(this.itemsTable, row, ['id']);
    return items;
  }
}

/**
 * An item in the shape OpenAI's API returns it: an id (msg_ for messages, item_ otherwise, as
 * Llama Stack makes them), `type: 'message'` when only a role was given, text content as one
 * input_text part (output_text for the assistant, with its empty annotations and logprobs), and `status: 'completed'` where the type has one.
 */
function storedItem(input: ConversationItemInput): ConversationItem {
  const type = input.type ?? 'message';
  const id = input.id ?? `${type === 'message' ? 'msg' : 'item'}_${randomBytes(24).toString('hex')}`;
  const item: Record<string, unknown> = { ...input, type, id };
  if (type === 'message' && typeof item.content === 'string') {
    item.content = [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }];
  }
  if (type === 'message' && Array.isArray(item.content)) {
    // OpenAI's output_text part always has its annotations and logprobs, empty when there are none.
    item.content = item.content.map((part: Record<string, unknown>) => (part.type === 'output_text' ? { ...part, annotations: part.annotations ?? [], logprobs: part.logprobs ?? [] } : part));
  }
  if (TYPES_WITH_STATUS.has(type)) item.status ??= 'completed';
  return item as unknown as ConversationItem;
}
