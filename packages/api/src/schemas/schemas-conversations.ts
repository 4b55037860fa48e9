import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * The Conversations API (OpenAI's, as Llama Stack 0.7.1 serves it): POST /v1/conversations,
 * GET/POST/DELETE /v1/conversations/{conversation_id}, GET/POST /v1/conversations/{conversation_id}/items,
 * GET/DELETE /v1/conversations/{conversation_id}/items/{item_id}.
 *
 * Items are the types Llama Stack 0.7.1 stores (its ConversationItem union, without
 * mcp_approval_response, whose published OpenAI schema requires a field the type does not have).
 */

const text: JsonSchema = { type: 'string' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const itemStatus: JsonSchema = { type: 'string', enum: ['in_progress', 'completed', 'incomplete'] };
const itemId: JsonSchema = { type: 'string', minLength: 1, description: 'The item\'s id; generated when absent (msg_ for messages, item_ otherwise).' };

const conversationMetadata = {
  type: 'object',
  maxProperties: 16,
  propertyNames: { maxLength: 64 },
  additionalProperties: { type: 'string', maxLength: 512 },
  description: 'Up to 16 key-value pairs: keys at most 64 characters, values strings of at most 512.',
} satisfies JsonSchema;

const conversationResource = object(
  {
    id: text,
    object: { type: 'string', const: 'conversation' },
    created_at: { type: 'integer', description: 'Seconds since the Unix epoch.' },
    metadata: nullable(ref('ConversationMetadata')),
  },
  { required: ['id', 'object', 'created_at', 'metadata'], description: 'A conversation: its id, when it was created and its metadata (its items are listed apart).' },
);

const deletedConversationResource = object(
  { id: text, object: { type: 'string', const: 'conversation.deleted' }, deleted: { type: 'boolean' } },
  { required: ['id', 'object', 'deleted'] },
);

/** A content part of a message: input_text, output_text, input_image, input_file, refusal, ... kept as sent. */
const conversationContentPart = object({ type: { type: 'string', minLength: 1 } }, { required: ['type'], description: 'One part of a message\'s content, kept as sent.' });

const conversationMessageInput = object(
  {
    type: { type: 'string', const: 'message', description: 'Optional: an item with a role and no type is a message.' },
    id: itemId,
    role: { type: 'string', enum: ['user', 'assistant', 'system', 'developer'] },
    content: { anyOf: [text, { type: 'array', items: ref('ConversationContentPart') }], description: 'Text (stored as one input_text part, output_text for the assistant) or content parts.' },
    status: itemStatus,
  },
  { required: ['role', 'content'] },
);

const conversationFunctionCallInput = object(
  { type: { type: 'string', const: 'function_call' }, id: itemId, call_id: text, name: text, arguments: text, status: itemStatus },
  { required: ['type', 'call_id', 'name', 'arguments'] },
);

const conversationFunctionCallOutputInput = object(
  { type: { type: 'string', const: 'function_call_output' }, id: itemId, call_id: text, output: { anyOf: [text, { type: 'array', items: anyObject }] }, status: itemStatus },
  { required: ['type', 'call_id', 'output'] },
);

const conversationReasoningInput = object(
  {
    type: { type: 'string', const: 'reasoning' },
    id: itemId,
    summary: { type: 'array', items: anyObject },
    content: { type: 'array', items: anyObject },
    encrypted_content: nullable(text),
    status: itemStatus,
  },
  { required: ['type', 'summary'] },
);

const conversationMcpListToolsInput = object(
  { type: { type: 'string', const: 'mcp_list_tools' }, id: itemId, server_label: text, tools: { type: 'array', items: anyObject }, error: nullable(text) },
  { required: ['type', 'server_label', 'tools'] },
);

const conversationMcpCallInput = object(
  {
    type: { type: 'string', const: 'mcp_call' },
    id: itemId,
    server_label: text,
    name: text,
    arguments: text,
    output: nullable(text),
    error: nullable(text),
    status: { type: 'string', enum: ['in_progress', 'completed', 'incomplete', 'calling', 'failed'] },
    approval_request_id: nullable(text),
  },
  { required: ['type', 'server_label', 'name', 'arguments'] },
);

const conversationMcpApprovalRequestInput = object(
  { type: { type: 'string', const: 'mcp_approval_request' }, id: itemId, server_label: text, name: text, arguments: text },
  { required: ['type', 'server_label', 'name', 'arguments'] },
);

const conversationFileSearchCallInput = object(
  {
    type: { type: 'string', const: 'file_search_call' },
    id: itemId,
    status: { type: 'string', enum: ['in_progress', 'searching', 'completed', 'incomplete', 'failed'] },
    queries: { type: 'array', items: text },
    results: nullable({ type: 'array', items: anyObject }),
  },
  { required: ['type', 'queries'] },
);

const conversationWebSearchCallInput = object(
  { type: { type: 'string', const: 'web_search_call' }, id: itemId, status: { type: 'string', enum: ['in_progress', 'searching', 'completed', 'failed'] }, action: anyObject },
  { required: ['type'] },
);

/** Each item type and the schema of its input. */
const ITEM_INPUTS: Record<string, string> = {
  message: 'ConversationMessageInput',
  function_call: 'ConversationFunctionCallInput',
  function_call_output: 'ConversationFunctionCallOutputInput',
  reasoning: 'ConversationReasoningInput',
  mcp_list_tools: 'ConversationMcpListToolsInput',
  mcp_call: 'ConversationMcpCallInput',
  mcp_approval_request: 'ConversationMcpApprovalRequestInput',
  file_search_call: 'ConversationFileSearchCallInput',
  web_search_call: 'ConversationWebSearchCallInput',
};

/**
 * An item picked by its `type` with if/then rather than a discriminator: a message may come
 * without `type` (OpenAI's EasyInputMessage, as Llama Stack accepts it), which a discriminator
 * refuses; and errors name the field of the chosen type, not a "no branch fits".
 */
const conversationItemInput: JsonSchema = {
  type: 'object',
  description: 'An item to add to a conversation.',
  properties: { type: { type: 'string', enum: Object.keys(ITEM_INPUTS) } },
  allOf: [
    { if: { not: { required: ['type'] } }, then: ref('ConversationMessageInput') },
    ...Object.entries(ITEM_INPUTS).map(([type, name]) => ({ if: { properties: { type: { const: type } }, required: ['type'] }, then: ref(name) })),
  ],
  tsType: Object.values(ITEM_INPUTS).join(' | '),
};

/** An item as stored and returned: the input with its id (and status, where the type has one) filled in. */
const conversationItem = object(
  { type: text, id: text },
  { required: ['type', 'id'], description: 'A stored item of a conversation, in OpenAI\'s shape for its type.' },
);

const conversationItemList = object(
  {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('ConversationItem') },
    first_id: nullable(text),
    last_id: nullable(text),
    has_more: { type: 'boolean' },
  },
  { required: ['object', 'data', 'first_id', 'last_id', 'has_more'] },
);

const createConversationRequest = object(
  {
    items: nullable({ type: 'array', maxItems: 20, items: ref('ConversationItemInput'), description: 'Initial items, up to 20.' }),
    metadata: nullable(ref('ConversationMetadata')),
  },
  { additionalProperties: false },
);

const updateConversationRequest = object({ metadata: ref('ConversationMetadata') }, { required: ['metadata'], additionalProperties: false });

const addConversationItemsRequest = object(
  { items: { type: 'array', maxItems: 20, items: ref('ConversationItemInput'), description: 'Items to add, up to 20.' } },
  { required: ['items'], additionalProperties: false },
);

const listConversationItemsQuery = object(
  {
    after: { type: 'string', description: 'List the items after this item id.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, description: 'How many items (1-100, default 20).' },
    order: { type: 'string', enum: ['asc', 'desc'], description: 'Oldest first (asc) or newest first (desc, the default).' },
    include: {
      anyOf: [text, { type: 'array', items: text }],
      description: 'Additional output data to include (OpenAI\'s include values); stored items are returned whole, so it changes nothing.',
    },
    'include[]': { anyOf: [text, { type: 'array', items: text }], description: '`include` as the openai client sends an array.' },
  },
  { additionalProperties: false },
);

const retrieveConversationItemQuery = object(
  {
    include: { anyOf: [text, { type: 'array', items: text }], description: 'Accepted as in OpenAI\'s API; stored items are returned whole.' },
    'include[]': { anyOf: [text, { type: 'array', items: text }], description: '`include` as the openai client sends an array.' },
  },
  { additionalProperties: false },
);

export const conversationsSchemas: Record<string, JsonSchema> = {
  ConversationMetadata: conversationMetadata,
  ConversationResource: conversationResource,
  DeletedConversationResource: deletedConversationResource,
  ConversationContentPart: conversationContentPart,
  ConversationMessageInput: conversationMessageInput,
  ConversationFunctionCallInput: conversationFunctionCallInput,
  ConversationFunctionCallOutputInput: conversationFunctionCallOutputInput,
  ConversationReasoningInput: conversationReasoningInput,
  ConversationMcpListToolsInput: conversationMcpListToolsInput,
  ConversationMcpCallInput: conversationMcpCallInput,
  ConversationMcpApprovalRequestInput: conversationMcpApprovalRequestInput,
  ConversationFileSearchCallInput: conversationFileSearchCallInput,
  ConversationWebSearchCallInput: conversationWebSearchCallInput,
  ConversationItemInput: conversationItemInput,
  ConversationItem: conversationItem,
  ConversationItemList: conversationItemList,
  CreateConversationRequest: createConversationRequest,
  UpdateConversationRequest: updateConversationRequest,
  AddConversationItemsRequest: addConversationItemsRequest,
  ListConversationItemsQuery: listConversationItemsQuery,
  ConversationItemIncludeQuery: retrieveConversationItemQuery,
};
