import { defineApi, type SqlStoreRef } from '@cria/api';
import { ConversationsRouter } from './conversations-router.js';
import { conversationsRoutes } from './conversations-routes.js';
import { ConversationsStore } from './conversations-store.js';

/**
 * OpenAI's Conversations API, as Llama Stack's built-in conversation service: conversations and
 * their items in the distribution's `conversations` SQL store. Served by the core (no
 * providers), as Llama Stack serves it; without the store every route answers 400.
 */
export const conversationsApi = defineApi({
  name: 'conversations',
  description: 'Conversations and their items (messages, tool calls and outputs, ...), kept for the Responses API and for clients.',
  kind: 'core',
  stores: [{ name: 'conversations', kind: 'sql', description: 'Conversations (table_name, openai_conversations by default) and their items (conversation_items).' }],
  createRouter({ store, storeRef }) {
    const reference = storeRef('conversations') as SqlStoreRef | null;
    const conversationsStore = reference
      ? new ConversationsStore(async () => (await store('conversations', 'sql'))!, { table: reference.table_name ?? 'openai_conversations' })
      : null;
    return new ConversationsRouter(conversationsStore);
  },
  routes: conversationsRoutes,
});
