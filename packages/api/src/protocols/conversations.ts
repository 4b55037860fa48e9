import type {
  AddConversationItemsRequest,
  ConversationItem,
  ConversationItemInput,
  ConversationItemList,
  ConversationResource,
  CreateConversationRequest,
  DeletedConversationResource,
  ListConversationItemsQuery,
  UpdateConversationRequest,
} from '../generated/api-types.js';

/**
 * The conversations API's router (Llama Stack's ConversationServiceImpl): conversations and their
 * items, kept in the distribution's `storage.stores.conversations` SQL store. Every method throws
 * InvalidRequestError when the distribution has no such store, NotFoundError (param
 * `conversation_id` or `item_id`) for what does not exist.
 */
export interface ConversationsApi {
  createConversation(request: CreateConversationRequest): Promise<ConversationResource>;
  getConversation(conversationId: string): Promise<ConversationResource>;
  /** Replaces the metadata. */
  updateConversation(conversationId: string, request: UpdateConversationRequest): Promise<ConversationResource>;
  /** Deletes the conversation and its items. */
  deleteConversation(conversationId: string): Promise<DeletedConversationResource>;
  addItems(conversationId: string, request: AddConversationItemsRequest): Promise<ConversationItemList>;
  listItems(conversationId: string, query: ListConversationItemsQuery): Promise<ConversationItemList>;
  getItem(conversationId: string, itemId: string): Promise<ConversationItem>;
  /** Deletes one item; answers the conversation (as OpenAI's API does). */
  deleteItem(conversationId: string, itemId: string): Promise<ConversationResource>;
  /**
   * For APIs that write to a conversation (the Responses API, with `conversation`): appends
   * items after the conversation's last, in order, with ids and statuses filled in as
   * POST .../items does, but with no limit on how many (a response's input and output may
   * exceed 20 items). Returns the items as stored.
   */
  appendItems(conversationId: string, items: readonly ConversationItemInput[]): Promise<ConversationItem[]>;
}
