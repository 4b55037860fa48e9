import { type JsonSchema, listOf, nullable, object, ref } from './json-schema.js';
import { finishReason, sampling, usage } from './schemas-inference.js';

/**
 * Chat completions, as OpenAI's spec (2.3.0) defines them and Llama Stack 0.7.1 serves them:
 * messages and their content parts, tools, response formats, the request, the completion and its
 * stream chunks, and the stored completions the inference store lists.
 */

const text: JsonSchema = { type: 'string' };
const metadata: JsonSchema = nullable({
  type: 'object',
  description: 'Up to 16 key-value pairs of strings attached to the object.',
  additionalProperties: { type: 'string' },
  maxProperties: 16,
});

const contentPartText = object(
  { type: { type: 'string', const: 'text' }, text },
  { required: ['type', 'text'], title: 'ChatContentPartText' },
);

const contentPartImage = object(
  {
    type: { type: 'string', const: 'image_url' },
    image_url: object(
      {
        url: { type: 'string', description: 'An image URL or a base64 data URL.' },
        detail: { type: 'string', enum: ['auto', 'low', 'high'] },
      },
      { required: ['url'] },
    ),
  },
  { required: ['type', 'image_url'], title: 'ChatContentPartImage' },
);

const contentPartInputAudio = object(
  {
    type: { type: 'string', const: 'input_audio' },
    input_audio: object({ data: text, format: { type: 'string', enum: ['wav', 'mp3'] } }, { required: ['data', 'format'] }),
  },
  { required: ['type', 'input_audio'], title: 'ChatContentPartInputAudio' },
);

const contentPartFile = object(
  {
    type: { type: 'string', const: 'file' },
    file: object({ file_data: text, file_id: text, filename: text }),
  },
  { required: ['type', 'file'], title: 'ChatContentPartFile' },
);

const contentPartRefusal = object(
  { type: { type: 'string', const: 'refusal' }, refusal: text },
  { required: ['type', 'refusal'], title: 'ChatContentPartRefusal' },
);

function partsUnion(names: string[]): JsonSchema {
  return { type: 'object', required: ['type'], discriminator: { propertyName: 'type' }, oneOf: names.map((name) => ref(name)) };
}

const textContent: JsonSchema = {
  anyOf: [text, { type: 'array', minItems: 1, items: ref('ChatContentPartText') }],
};

const userContent: JsonSchema = {
  anyOf: [
    text,
    {
      type: 'array',
      minItems: 1,
      items: partsUnion(['ChatContentPartText', 'ChatContentPartImage', 'ChatContentPartInputAudio', 'ChatContentPartFile']),
    },
  ],
};

const toolCall = object(
  {
    id: text,
    type: { type: 'string', const: 'function' },
    function: object({ name: text, arguments: { type: 'string', description: 'The arguments, as a JSON string.' } }, { required: ['name', 'arguments'] }),
  },
  { required: ['id', 'type', 'function'], title: 'ChatToolCall' },
);

function message(role: string, properties: Record<string, JsonSchema>, required: string[], title: string, description: string): JsonSchema {
  return object({ role: { type: 'string', const: role }, ...properties }, { required: ['role', ...required], title, description });
}

const chatMessageDeveloper = message('developer', { content: textContent, name: text }, ['content'], 'ChatMessageDeveloper',
  'Instructions the model follows regardless of the user\'s messages (replaces `system` for newer models).');
const chatMessageSystem = message('system', { content: textContent, name: text }, ['content'], 'ChatMessageSystem', 'A system prompt.');
const chatMessageUser = message('user', { content: userContent, name: text }, ['content'], 'ChatMessageUser', 'A message from the user.');
const chatMessageAssistant = message(
  'assistant',
  {
    content: nullable({ anyOf: [text, { type: 'array', items: partsUnion(['ChatContentPartText', 'ChatContentPartRefusal']) }] }),
    refusal: nullable(text),
    name: text,
    tool_calls: { type: 'array', items: ref('ChatToolCall') },
    function_call: nullable(object({ name: text, arguments: text }, { required: ['name', 'arguments'] })),
    audio: nullable(object({ id: text }, { required: ['id'] })),
  },
  [],
  'ChatMessageAssistant',
  'A message the model wrote earlier in the conversation.',
);
const chatMessageTool = message('tool', { content: textContent, tool_call_id: text }, ['content', 'tool_call_id'], 'ChatMessageTool',
  'The result of a tool call.');
const chatMessageFunction = message('function', { content: nullable(text), name: text }, ['content', 'name'], 'ChatMessageFunction',
  'Deprecated: the result of a function call.');

const chatMessage: JsonSchema = {
  title: 'ChatMessage',
  type: 'object',
  required: ['role'],
  discriminator: { propertyName: 'role' },
  oneOf: ['ChatMessageDeveloper', 'ChatMessageSystem', 'ChatMessageUser', 'ChatMessageAssistant', 'ChatMessageTool', 'ChatMessageFunction'].map((name) => ref(name)),
};

const functionDefinition = object(
  {
    name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$', description: 'a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.' },
    description: text,
    parameters: { type: 'object', description: 'The parameters, as a JSON Schema object.', additionalProperties: true },
    strict: nullable({ type: 'boolean' }),
  },
  { required: ['name'], title: 'FunctionDefinition' },
);

const chatTool = object(
  { type: { type: 'string', const: 'function' }, function: ref('FunctionDefinition') },
  { required: ['type', 'function'], title: 'ChatTool', description: 'A function the model may call.' },
);

const chatToolChoice: JsonSchema = {
  title: 'ChatToolChoice',
  description: '`none`, `auto`, `required`, or a named function the model must call.',
  anyOf: [
    { type: 'string', enum: ['none', 'auto', 'required'] },
    object(
      { type: { type: 'string', const: 'function' }, function: object({ name: text }, { required: ['name'] }) },
      { required: ['type', 'function'] },
    ),
    object(
      {
        type: { type: 'string', const: 'allowed_tools' },
        allowed_tools: object(
          { mode: { type: 'string', enum: ['auto', 'required'] }, tools: { type: 'array', items: { type: 'object', additionalProperties: true } } },
          { required: ['mode', 'tools'] },
        ),
      },
      { required: ['type', 'allowed_tools'] },
    ),
  ],
};

const responseFormatText = object({ type: { type: 'string', const: 'text' } }, { required: ['type'], title: 'ResponseFormatText' });
const responseFormatJsonObject = object({ type: { type: 'string', const: 'json_object' } }, { required: ['type'], title: 'ResponseFormatJsonObject' });
const responseFormatJsonSchema = object(
  {
    type: { type: 'string', const: 'json_schema' },
    json_schema: object(
      {
        name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
        description: text,
        schema: { type: 'object', additionalProperties: true, description: 'The JSON Schema the output must match.' },
        strict: nullable({ type: 'boolean' }),
      },
      { required: ['name'] },
    ),
  },
  { required: ['type', 'json_schema'], title: 'ResponseFormatJsonSchema' },
);

const responseFormat: JsonSchema = {
  title: 'ResponseFormat',
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [ref('ResponseFormatText'), ref('ResponseFormatJsonObject'), ref('ResponseFormatJsonSchema')],
};

const chatCompletionRequest = object(
  {
    model: { type: 'string', minLength: 1, description: 'The identifier of a model this server lists.' },
    messages: { type: 'array', minItems: 1, items: ref('ChatMessage') },
    ...sampling,
    max_tokens: nullable({ type: 'integer', minimum: 1, deprecated: true }),
    max_completion_tokens: nullable({ type: 'integer', minimum: 1 }),
    logprobs: nullable({ type: 'boolean' }),
    top_logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    response_format: ref('ResponseFormat'),
    tools: { type: 'array', items: ref('ChatTool') },
    tool_choice: ref('ChatToolChoice'),
    parallel_tool_calls: nullable({ type: 'boolean' }),
    functions: { type: 'array', minItems: 1, maxItems: 128, items: ref('FunctionDefinition'), deprecated: true },
    function_call: { anyOf: [{ type: 'string', enum: ['none', 'auto'] }, object({ name: text }, { required: ['name'] })], deprecated: true },
    metadata,
    store: nullable({ type: 'boolean' }),
    modalities: nullable({ type: 'array', items: { type: 'string', enum: ['text', 'audio'] } }),
    reasoning_effort: nullable({ type: 'string', enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] }),
    service_tier: nullable({ type: 'string' }),
    prompt_cache_key: text,
    safety_identifier: text,
    verbosity: nullable({ type: 'string', enum: ['low', 'medium', 'high'] }),
  },
  {
    required: ['model', 'messages'],
    title: 'ChatCompletionRequest',
    description: 'POST /v1/chat/completions. Extra properties are passed through to the provider.',
  },
);

const tokenLogprob = object(
  {
    token: text,
    logprob: { type: 'number' },
    bytes: nullable({ type: 'array', items: { type: 'integer' } }),
    top_logprobs: {
      type: 'array',
      items: object({ token: text, logprob: { type: 'number' }, bytes: nullable({ type: 'array', items: { type: 'integer' } }) }, { required: ['token', 'logprob'] }),
    },
  },
  { required: ['token', 'logprob'], title: 'TokenLogprob' },
);

const choiceLogprobs = nullable(
  object({
    content: nullable({ type: 'array', items: ref('TokenLogprob') }),
    refusal: nullable({ type: 'array', items: ref('TokenLogprob') }),
  }),
);

const chatCompletionMessage = object(
  {
    role: { type: 'string', const: 'assistant' },
    content: nullable(text),
    refusal: nullable(text),
    tool_calls: { type: 'array', items: ref('ChatToolCall') },
    function_call: nullable(object({ name: text, arguments: text }, { required: ['name', 'arguments'] })),
    reasoning_content: nullable(text),
    annotations: { type: 'array', items: { type: 'object', additionalProperties: true } },
    audio: nullable({ type: 'object', additionalProperties: true }),
  },
  { required: ['role', 'content'], title: 'ChatCompletionMessage', description: 'The message the model wrote.' },
);

const chatCompletionChoice = object(
  { index: { type: 'integer' }, message: ref('ChatCompletionMessage'), finish_reason: finishReason, logprobs: choiceLogprobs },
  { required: ['index', 'message', 'finish_reason'], title: 'ChatCompletionChoice' },
);

const chatCompletion = object(
  {
    id: text,
    object: { type: 'string', const: 'chat.completion' },
    created: { type: 'integer', description: 'Unix time in seconds.' },
    model: text,
    choices: { type: 'array', items: ref('ChatCompletionChoice') },
    usage: ref('CompletionUsage'),
    system_fingerprint: nullable(text),
    service_tier: nullable(text),
  },
  { required: ['id', 'object', 'created', 'model', 'choices'], title: 'ChatCompletion' },
);

const chatCompletionChunk = object(
  {
    id: text,
    object: { type: 'string', const: 'chat.completion.chunk' },
    created: { type: 'integer' },
    model: text,
    choices: {
      type: 'array',
      items: object(
        {
          index: { type: 'integer' },
          delta: object({
            role: { type: 'string', enum: ['developer', 'system', 'user', 'assistant', 'tool'] },
            content: nullable(text),
            refusal: nullable(text),
            reasoning_content: nullable(text),
            function_call: object({ name: text, arguments: text }),
            tool_calls: {
              type: 'array',
              items: object(
                {
                  index: { type: 'integer' },
                  id: text,
                  type: { type: 'string', const: 'function' },
                  function: object({ name: text, arguments: text }),
                },
                { required: ['index'], title: 'ChatToolCallDelta' },
              ),
            },
          }),
          finish_reason: nullable(finishReason),
          logprobs: choiceLogprobs,
        },
        { required: ['index', 'delta'], title: 'ChatCompletionChunkChoice' },
      ),
    },
    usage: nullable(ref('CompletionUsage')),
    system_fingerprint: nullable(text),
    service_tier: nullable(text),
  },
  { required: ['id', 'object', 'created', 'model', 'choices'], title: 'ChatCompletionChunk', description: 'One server-sent event of a streamed chat completion.' },
);

const storedChatCompletion: JsonSchema = {
  title: 'StoredChatCompletion',
  description: 'A chat completion as the inference store keeps it: the completion and the messages it answered.',
  allOf: [
    ref('ChatCompletion'),
    object({ input_messages: { type: 'array', items: ref('ChatMessage') } }, { required: ['input_messages'] }),
  ],
};

const storedChatMessage: JsonSchema = {
  title: 'StoredChatMessage',
  description: 'A message of a stored chat completion, with the id OpenAI gives it.',
  allOf: [ref('ChatMessage'), object({ id: text }, { required: ['id'] })],
};

const listChatCompletionsQuery = object(
  {
    after: { type: 'string', description: 'The id of the last completion of the previous page.' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
    model: text,
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
  },
  { title: 'ListChatCompletionsQuery', additionalProperties: false },
);

const listChatCompletionMessagesQuery = object(
  {
    after: text,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
  },
  { title: 'ListChatCompletionMessagesQuery', additionalProperties: false },
);

export const chatSchemas: Record<string, JsonSchema> = {
  ChatContentPartText: contentPartText,
  ChatContentPartImage: contentPartImage,
  ChatContentPartInputAudio: contentPartInputAudio,
  ChatContentPartFile: contentPartFile,
  ChatContentPartRefusal: contentPartRefusal,
  ChatToolCall: toolCall,
  ChatMessageDeveloper: chatMessageDeveloper,
  ChatMessageSystem: chatMessageSystem,
  ChatMessageUser: chatMessageUser,
  ChatMessageAssistant: chatMessageAssistant,
  ChatMessageTool: chatMessageTool,
  ChatMessageFunction: chatMessageFunction,
  ChatMessage: chatMessage,
  FunctionDefinition: functionDefinition,
  ChatTool: chatTool,
  ChatToolChoice: chatToolChoice,
  ResponseFormatText: responseFormatText,
  ResponseFormatJsonObject: responseFormatJsonObject,
  ResponseFormatJsonSchema: responseFormatJsonSchema,
  ResponseFormat: responseFormat,
  ChatCompletionRequest: chatCompletionRequest,
  TokenLogprob: tokenLogprob,
  CompletionUsage: usage,
  ChatCompletionMessage: chatCompletionMessage,
  ChatCompletionChoice: chatCompletionChoice,
  ChatCompletion: chatCompletion,
  ChatCompletionChunk: chatCompletionChunk,
  StoredChatCompletion: storedChatCompletion,
  StoredChatMessage: storedChatMessage,
  ListChatCompletionsQuery: listChatCompletionsQuery,
  ListChatCompletionMessagesQuery: listChatCompletionMessagesQuery,
  ChatCompletionList: listOf(ref('StoredChatCompletion'), 'GET /v1/chat/completions.', true),
  ChatCompletionMessageList: listOf(ref('StoredChatMessage'), 'GET /v1/chat/completions/{completion_id}/messages.', true),
};
