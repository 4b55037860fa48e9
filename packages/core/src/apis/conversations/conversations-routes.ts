import { routesOf } from '@cria/api';

const route = routesOf('conversations');

/** OpenAI's Conversations routes (Llama Stack 0.7.1 serves the same paths). */
export const conversationsRoutes = [
  route({
    method: 'POST',
    path: '/v1/conversations',
    operation: 'createConversation',
    summary: 'Create a conversation, with up to 20 initial items and metadata.',
    requestBody: 'CreateConversationRequest',
    response: 'ConversationResource',
    async handler({ body, api }) {
      return { json: await api.createConversation(body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/conversations/{conversation_id}',
    operation: 'getConversation',
    summary: 'One conversation.',
    response: 'ConversationResource',
    async handler({ params, api }) {
      return { json: await api.getConversation(params.conversation_id!) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/conversations/{conversation_id}',
    operation: 'updateConversation',
    summary: 'Replace a conversation\'s metadata.',
    requestBody: 'UpdateConversationRequest',
    response: 'ConversationResource',
    async handler({ params, body, api }) {
      return { json: await api.updateConversation(params.conversation_id!, body) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/conversations/{conversation_id}',
    operation: 'deleteConversation',
    summary: 'Delete a conversation and its items.',
    response: 'DeletedConversationResource',
    async handler({ params, api }) {
      return { json: await api.deleteConversation(params.conversation_id!) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/conversations/{conversation_id}/items',
    operation: 'addConversationItems',
    summary: 'Add up to 20 items to a conversation, after its last.',
    requestBody: 'AddConversationItemsRequest',
    query: 'ConversationItemIncludeQuery',
    response: 'ConversationItemList',
    async handler({ params, body, api }) {
      return { json: await api.addItems(params.conversation_id!, body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/conversations/{conversation_id}/items',
    operation: 'listConversationItems',
    summary: 'The items of a conversation, newest first unless order=asc, paged by after and limit.',
    query: 'ListConversationItemsQuery',
    response: 'ConversationItemList',
    async handler({ params, query, api }) {
      return { json: await api.listItems(params.conversation_id!, query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/conversations/{conversation_id}/items/{item_id}',
    operation: 'getConversationItem',
    summary: 'One item of a conversation.',
    query: 'ConversationItemIncludeQuery',
    response: 'ConversationItem',
    async handler({ params, api }) {
      return { json: await api.getItem(params.conversation_id!, params.item_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/conversations/{conversation_id}/items/{item_id}',
    operation: 'deleteConversationItem',
    summary: 'Delete one item of a conversation; answers the conversation.',
    response: 'ConversationResource',
    async handler({ params, api }) {
      return { json: await api.deleteItem(params.conversation_id!, params.item_id!) };
    },
  }),
];
