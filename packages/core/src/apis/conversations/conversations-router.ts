import {
  InvalidRequestError,
  type AddConversationItemsRequest,
  type ConversationItem,
  type ConversationItemInput,
  type ConversationItemList,
  type ConversationResource,
  type ConversationsApi,
  type CreateConversationRequest,
  type DeletedConversationResource,
  type ListConversationItemsQuery,
  type RouterLifecycle,
  type UpdateConversationRequest,
} from '@cria/api';
import type { ConversationsStore } from './conversations-store.js';

/**
 * The conversations API over its store. A distribution without `storage.stores.conversations`
 * still serves the routes (the API is the core's, as Llama Stack's), answering each with a 400
 * that says what to configure.
 */
export class ConversationsRouter implements ConversationsApi, RouterLifecycle {
  constructor(private readonly conversations: ConversationsStore | null) {}

  async start(): Promise<void> {
    await this.conversations?.initialize();
  }

  private get store(): ConversationsStore {
    if (!this.conversations) throw new InvalidRequestError('This distribution keeps no conversations: it has no storage.stores.conversations.');
    return this.conversations;
  }

  createConversation(request: CreateConversationRequest): Promise<ConversationResource> {
    return this.store.create(request.items ?? [], request.metadata ?? null);
  }

  getConversation(conversationId: string): Promise<ConversationResource> {
    return this.store.get(conversationId);
  }

  updateConversation(conversationId: string, request: UpdateConversationRequest): Promise<ConversationResource> {
    return this.store.updateMetadata(conversationId, request.metadata);
  }

  async deleteConversation(conversationId: string): Promise<DeletedConversationResource> {
    await this.store.delete(conversationId);
    return { id: conversationId, object: 'conversation.deleted', deleted: true };
  }

  async addItems(conversationId: string, request: AddConversationItemsRequest): Promise<ConversationItemList> {
    const data = await this.store.addItems(conversationId, request.items);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
  }

  listItems(conversationId: string, query: ListConversationItemsQuery): Promise<ConversationItemList> {
    return this.store.listItems(conversationId, { ...(query.after !== undefined ? { after: query.after } : {}), ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.order ? { order: query.order } : {}) });
  }

  getItem(conversationId: string, itemId: string): Promise<ConversationItem> {
    return this.store.getItem(conversationId, itemId);
  }

  deleteItem(conversationId: string, itemId: string): Promise<ConversationResource> {
    return this.store.deleteItem(conversationId, itemId);
  }

  appendItems(conversationId: string, items: readonly ConversationItemInput[]): Promise<ConversationItem[]> {
    return this.store.addItems(conversationId, items);
  }
}
