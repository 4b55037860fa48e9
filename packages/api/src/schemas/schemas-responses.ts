import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * The Responses API (OpenAI's, as Llama Stack 0.7.1 serves it): POST/GET /v1/responses,
 * GET/DELETE /v1/responses/{response_id}, GET /v1/responses/{response_id}/input_items,
 * POST /v1/responses/{response_id}/cancel.
 *
 * Input items and tools are picked by their `type` with if/then, so an error names the field of
 * the type the client meant ("tools/0/server_label"), and an unknown type names `type`.
 */

const text: JsonSchema = { type: 'string' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const stringList: JsonSchema = { type: 'array', items: text };

/** Picks `definitions[name]` by the value of `type`; `untyped` is the schema of an object without one. */
function byType(description: string, types: Record<string, string>, untyped?: string): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { type: { type: 'string', enum: Object.keys(types) } },
    ...(untyped ? {} : { required: ['type'] }),
    allOf: [
      ...(untyped ? [{ if: { not: { required: ['type'] } }, then: ref(untyped) }] : []),
      ...Object.entries(types).map(([type, name]) => ({ if: { properties: { type: { const: type } }, required: ['type'] }, then: ref(name) })),
    ],
    tsType: [...new Set(Object.values(types))].join(' | '),
  };
}

// Content of input messages.

const inputText = object({ type: { type: 'string', const: 'input_text' }, text }, { required: ['type', 'text'] });
const inputImage = object(
  {
    type: { type: 'string', const: 'input_image' },
    image_url: nullable({ type: 'string', description: 'A URL or a `data:` URL.' }),
    file_id: nullable({ type: 'string', description: 'A file of the files API.' }),
    detail: { type: 'string', enum: ['low', 'high', 'auto'], default: 'auto' },
  },
  { required: ['type'] },
);
const inputFile = object(
  {
    type: { type: 'string', const: 'input_file' },
    file_id: nullable(text),
    file_data: nullable({ type: 'string', description: 'The file\'s content, base64 (or a data: URL).' }),
    file_url: nullable(text),
    filename: nullable(text),
  },
  { required: ['type'] },
);
/** Assistant content sent back as input (a previous turn): kept as given. */
const outputContent = object({ type: { type: 'string', enum: ['output_text', 'refusal', 'reasoning_text', 'summary_text'] } }, { required: ['type'] });

const responseInputContent = byType('A part of a message\'s content.', {
  input_text: 'ResponseInputText',
  input_image: 'ResponseInputImage',
  input_file: 'ResponseInputFile',
  output_text: 'ResponseOutputContent',
  refusal: 'ResponseOutputContent',
  reasoning_text: 'ResponseOutputContent',
  summary_text: 'ResponseOutputContent',
});

// Input items.

const itemStatus: JsonSchema = { type: 'string', enum: ['in_progress', 'completed', 'incomplete'] };

const responseInputMessage = object(
  {
    type: { type: 'string', const: 'message' },
    id: text,
    role: { type: 'string', enum: ['user', 'assistant', 'system', 'developer'] },
    content: { anyOf: [text, { type: 'array', items: ref('ResponseInputContent') }] },
    status: itemStatus,
  },
  { required: ['role', 'content'] },
);

const responseFunctionCallOutput = object(
  {
    type: { type: 'string', const: 'function_call_output' },
    id: nullable(text),
    call_id: { type: 'string', minLength: 1 },
    output: { anyOf: [text, { type: 'array', items: ref('ResponseInputContent') }] },
    status: nullable(itemStatus),
  },
  { required: ['type', 'call_id', 'output'] },
);

const responseMcpApprovalResponse = object(
  {
    type: { type: 'string', const: 'mcp_approval_response' },
    id: nullable(text),
    approval_request_id: { type: 'string', minLength: 1 },
    approve: { type: 'boolean' },
    reason: nullable(text),
  },
  { required: ['type', 'approval_request_id', 'approve'] },
);

const responseItemReference = object({ type: { type: 'string', const: 'item_reference' }, id: { type: 'string', minLength: 1 } }, { required: ['type', 'id'] });

const responseInputItem = byType(
  'An item of the input: a message (with or without `type`), a tool call and its output, an MCP approval response, a reference to a stored item, or an output item of an earlier response.',
  {
    message: 'ResponseInputMessage',
    function_call: 'ConversationFunctionCallInput',
    function_call_output: 'ResponseFunctionCallOutput',
    mcp_approval_request: 'ConversationMcpApprovalRequestInput',
    mcp_approval_response: 'ResponseMcpApprovalResponse',
    item_reference: 'ResponseItemReference',
    reasoning: 'ConversationReasoningInput',
    mcp_list_tools: 'ConversationMcpListToolsInput',
    mcp_call: 'ConversationMcpCallInput',
    file_search_call: 'ConversationFileSearchCallInput',
    web_search_call: 'ConversationWebSearchCallInput',
  },
  'ResponseInputMessage',
);

// Tools.

const functionTool = object(
  {
    type: { type: 'string', const: 'function' },
    name: { type: 'string', minLength: 1, pattern: '^[a-zA-Z0-9_-]{1,64}$', description: 'Letters, digits, _ and -, at most 64.' },
    description: nullable(text),
    parameters: nullable(anyObject),
    strict: nullable({ type: 'boolean' }),
  },
  { required: ['type', 'name'] },
);

const comparisonFilter = object({ type: { type: 'string', enum: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] }, key: text, value: {} }, { required: ['type', 'key', 'value'] });

const fileSearchTool = object(
  {
    type: { type: 'string', const: 'file_search' },
    vector_store_ids: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
    filters: nullable({ type: 'object', description: 'An attribute filter: a comparison `{type: eq|ne|gt|gte|lt|lte|in|nin, key, value}` or `{type: and|or, filters: [...]}`.', additionalProperties: true }),
    max_num_results: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
    ranking_options: nullable(object({ ranker: text, score_threshold: { type: 'number', minimum: 0, maximum: 1 } })),
  },
  { required: ['type', 'vector_store_ids'] },
);

const webSearchTool = object(
  {
    type: { type: 'string', enum: ['web_search', 'web_search_preview', 'web_search_preview_2025_03_11', 'web_search_2025_08_26'] },
    search_context_size: nullable({ type: 'string', enum: ['low', 'medium', 'high'] }),
    user_location: nullable(anyObject),
    filters: nullable(anyObject),
  },
  { required: ['type'] },
);

const toolNames = object({ tool_names: stringList }, { additionalProperties: true });

const mcpTool = object(
  {
    type: { type: 'string', const: 'mcp' },
    server_label: { type: 'string', minLength: 1 },
    server_url: nullable({ type: 'string', minLength: 1 }),
    connector_id: nullable(text),
    headers: nullable({ type: 'object', additionalProperties: text }),
    authorization: nullable({ type: 'string', description: 'An OAuth access token, sent as `Authorization: Bearer <token>`.' }),
    server_description: nullable(text),
    require_approval: {
      anyOf: [{ type: 'string', enum: ['always', 'never'] }, object({ always: nullable(toolNames), never: nullable(toolNames) })],
      default: 'never',
    },
    allowed_tools: nullable({ anyOf: [stringList, toolNames] }),
  },
  { required: ['type', 'server_label'] },
);

const responseTool = byType('A tool the model may call: a function (run by the client), file_search, web_search or an MCP server (run by the server).', {
  function: 'ResponseFunctionTool',
  file_search: 'ResponseFileSearchTool',
  web_search: 'ResponseWebSearchTool',
  web_search_preview: 'ResponseWebSearchTool',
  web_search_preview_2025_03_11: 'ResponseWebSearchTool',
  web_search_2025_08_26: 'ResponseWebSearchTool',
  mcp: 'ResponseMcpTool',
});

const toolChoice: JsonSchema = {
  anyOf: [
    { type: 'string', enum: ['auto', 'required', 'none'] },
    object({ type: { type: 'string', const: 'function' }, name: text }, { required: ['type', 'name'] }),
    object({ type: { type: 'string', const: 'mcp' }, server_label: text, name: nullable(text) }, { required: ['type', 'server_label'] }),
    object({ type: { type: 'string', const: 'allowed_tools' }, mode: { type: 'string', enum: ['auto', 'required'] }, tools: { type: 'array', items: anyObject } }, { required: ['type', 'tools'] }),
    object({ type: { type: 'string', enum: ['file_search', 'web_search', 'web_search_preview', 'web_search_preview_2025_03_11', 'web_search_2025_08_26'] } }, { required: ['type'] }),
  ],
  description: 'auto, required, none, a named function or MCP tool, an allowed_tools list, or a built-in tool type.',
};

const textFormat: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] },
    name: text,
    schema: anyObject,
    description: nullable(text),
    strict: nullable({ type: 'boolean' }),
  },
  required: ['type'],
  if: { properties: { type: { const: 'json_schema' } } },
  then: { required: ['type', 'name', 'schema'] },
};

const responseText = object(
  { format: nullable(ref('ResponseTextFormat')), verbosity: nullable({ type: 'string', enum: ['low', 'medium', 'high'] }) },
  { description: 'The output\'s format: text (the default), json_object or json_schema.' },
);

const responsePrompt = object(
  {
    id: { type: 'string', minLength: 1 },
    version: nullable(text),
    variables: nullable({ type: 'object', additionalProperties: { anyOf: [text, ref('ResponseInputContent')] } }),
  },
  { required: ['id'], description: 'A stored prompt template (the Prompts API) and values for its variables.' },
);

const metadata: JsonSchema = {
  type: 'object',
  maxProperties: 16,
  propertyNames: { maxLength: 64 },
  additionalProperties: { type: 'string', maxLength: 512 },
};

const createResponseRequest = object(
  {
    input: { anyOf: [text, { type: 'array', items: ref('ResponseInputItem') }], description: 'Text (one user message) or items.' },
    model: { type: 'string', minLength: 1 },
    instructions: nullable(text),
    previous_response_id: nullable(text),
    conversation: nullable({ anyOf: [text, object({ id: text }, { required: ['id'] })], description: 'A conversation id (or `{id}`): its items are the context, and the input and output are appended.' }),
    prompt: nullable(ref('ResponsePrompt')),
    prompt_cache_key: nullable(text),
    store: nullable({ type: 'boolean', default: true }),
    stream: nullable({ type: 'boolean', default: false }),
    stream_options: nullable(anyObject),
    background: nullable({ type: 'boolean', default: false }),
    temperature: nullable({ type: 'number', minimum: 0, maximum: 2 }),
    top_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
    frequency_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
    presence_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
    top_logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    max_output_tokens: nullable({ type: 'integer', minimum: 1 }),
    max_tool_calls: nullable({ type: 'integer', minimum: 1 }),
    max_infer_iters: nullable({ type: 'integer', minimum: 1, default: 10, description: 'Llama Stack\'s bound on model calls in one response.' }),
    parallel_tool_calls: nullable({ type: 'boolean' }),
    tool_choice: nullable(ref('ResponseToolChoice')),
    tools: nullable({ type: 'array', items: ref('ResponseTool') }),
    text: nullable(ref('ResponseText')),
    include: nullable({ type: 'array', items: text }),
    metadata: nullable(metadata),
    truncation: nullable({ type: 'string', enum: ['auto', 'disabled'] }),
    reasoning: nullable(anyObject),
    safety_identifier: nullable(text),
    service_tier: nullable(text),
    user: nullable(text),
    guardrails: nullable({
      description: 'Llama Stack\'s guardrails: shield ids (or `{type: <shield id>}`) to check the input before the model and the output after it, or `true` for the distribution\'s safety.default_shield_id.',
      anyOf: [{ type: 'boolean' }, { type: 'array', items: { anyOf: [text, object({ type: text }, { required: ['type'] })] } }],
    }),
  },
  { required: ['input', 'model'], title: 'CreateResponseRequest' },
);

/** A response as returned: OpenAI's Response object (Llama Stack's OpenAIResponseObject). */
const responseObject = object(
  {
    id: text,
    object: { type: 'string', const: 'response' },
    created_at: { type: 'integer' },
    completed_at: nullable({ type: 'integer' }),
    model: text,
    status: { type: 'string', enum: ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled'] },
    output: { type: 'array', items: anyObject },
    error: nullable(anyObject),
    incomplete_details: nullable(anyObject),
    instructions: nullable(text),
    previous_response_id: nullable(text),
    store: { type: 'boolean' },
    background: { type: 'boolean' },
    tools: { type: 'array', items: anyObject },
    tool_choice: ref('ResponseToolChoice'),
    text: anyObject,
    usage: nullable(anyObject),
    metadata: nullable({ type: 'object', additionalProperties: text }),
  },
  { required: ['id', 'object', 'created_at', 'model', 'status', 'output', 'store'], title: 'ResponseObject' },
);

const responseObjectWithInput: JsonSchema = {
  allOf: [ref('ResponseObject'), object({ input: { type: 'array', items: anyObject } }, { required: ['input'] })],
  tsType: 'ResponseObject & { input: ResponseItem[] }',
};

const responseItem = object({ type: text, id: text }, { required: ['type'], description: 'An input or output item, in OpenAI\'s shape for its type.' });

const responseObjectList = object(
  {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('ResponseObjectWithInput') },
    first_id: nullable(text),
    last_id: nullable(text),
    has_more: { type: 'boolean' },
  },
  { required: ['object', 'data', 'first_id', 'last_id', 'has_more'] },
);

const responseInputItemList = object(
  {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('ResponseItem') },
    first_id: nullable(text),
    last_id: nullable(text),
    has_more: { type: 'boolean' },
  },
  { required: ['object', 'data', 'first_id', 'last_id', 'has_more'] },
);

const deletedResponse = object(
  { id: text, object: { type: 'string', const: 'response' }, deleted: { type: 'boolean', const: true } },
  { required: ['id', 'object', 'deleted'] },
);

const responseStreamEvent = object(
  { type: text, sequence_number: { type: 'integer', minimum: 0 } },
  { required: ['type', 'sequence_number'], description: 'One event of a streamed response (response.created, response.output_text.delta, ...).' },
);

const order: JsonSchema = { type: 'string', enum: ['asc', 'desc'] };
const includeQuery: JsonSchema = { anyOf: [text, stringList] };

const listResponsesQuery = object(
  {
    after: { type: 'string', description: 'List the responses after this response id.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, description: 'How many (default 50).' },
    model: { type: 'string', description: 'Only the responses of this model.' },
    order: { ...order, description: 'By creation time, newest first (desc, the default) or oldest first.' },
  },
  { additionalProperties: false },
);

const listResponseInputItemsQuery = object(
  {
    after: { type: 'string', description: 'Items after this item id.' },
    before: { type: 'string', description: 'Items before this item id.' },
    limit: { type: 'integer', minimum: 1, maximum: 100, description: 'How many (default 20).' },
    order: { ...order, description: 'desc (the default, last item first) or asc.' },
    include: includeQuery,
    'include[]': includeQuery,
  },
  { additionalProperties: false },
);

const getResponseQuery = object(
  {
    include: includeQuery,
    'include[]': includeQuery,
    stream: { type: 'boolean', description: 'Not supported: a stored response is returned whole.' },
    starting_after: { type: 'integer' },
    include_obfuscation: { type: 'boolean' },
  },
  { additionalProperties: false },
);

export const responsesSchemas: Record<string, JsonSchema> = {
  ResponseInputText: inputText,
  ResponseInputImage: inputImage,
  ResponseInputFile: inputFile,
  ResponseOutputContent: outputContent,
  ResponseInputContent: responseInputContent,
  ResponseInputMessage: responseInputMessage,
  ResponseFunctionCallOutput: responseFunctionCallOutput,
  ResponseMcpApprovalResponse: responseMcpApprovalResponse,
  ResponseItemReference: responseItemReference,
  ResponseInputItem: responseInputItem,
  ResponseFunctionTool: functionTool,
  ResponseComparisonFilter: comparisonFilter,
  ResponseFileSearchTool: fileSearchTool,
  ResponseWebSearchTool: webSearchTool,
  ResponseMcpTool: mcpTool,
  ResponseTool: responseTool,
  ResponseToolChoice: toolChoice,
  ResponseTextFormat: textFormat,
  ResponseText: responseText,
  ResponsePrompt: responsePrompt,
  CreateResponseRequest: createResponseRequest,
  ResponseObject: responseObject,
  ResponseObjectWithInput: responseObjectWithInput,
  ResponseItem: responseItem,
  ResponseObjectList: responseObjectList,
  ResponseInputItemList: responseInputItemList,
  DeletedResponse: deletedResponse,
  ResponseStreamEvent: responseStreamEvent,
  ListResponsesQuery: listResponsesQuery,
  ListResponseInputItemsQuery: listResponseInputItemsQuery,
  GetResponseQuery: getResponseQuery,
};
