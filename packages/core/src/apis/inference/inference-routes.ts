import { InvalidRequestError, routesOf } from '@cria/api';

const route = routesOf('inference');

function checkStreamOptions(body: { stream?: boolean | null; stream_options?: unknown }): void {
  if (body.stream_options && !body.stream) throw new InvalidRequestError('stream_options is only allowed when stream is true.', { param: 'stream_options' });
}

export const inferenceRoutes = [
  route({
    method: 'POST',
    path: '/v1/chat/completions',
    operation: 'createChatCompletion',
    summary: 'Create a chat completion; with `stream: true`, server-sent chat.completion.chunk events ending with [DONE].',
    requestBody: 'ChatCompletionRequest',
    response: 'ChatCompletion',
    streamEvent: 'ChatCompletionChunk',
    async handler({ body, context, api }) {
      checkStreamOptions(body);
      if (body.stream) return { sse: await api.streamChatCompletion(body, context), done: true };
      return { json: await api.chatCompletion(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/chat/completions',
    operation: 'listChatCompletions',
    summary: 'List stored chat completions, newest first by default.',
    query: 'ListChatCompletionsQuery',
    response: 'ChatCompletionList',
    async handler({ query, api }) {
      return { json: await api.listChatCompletions(query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/chat/completions/{completion_id}',
    operation: 'getChatCompletion',
    summary: 'A stored chat completion with its input messages.',
    response: 'StoredChatCompletion',
    async handler({ params, api }) {
      return { json: await api.getChatCompletion(params.completion_id!) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/chat/completions/{completion_id}/messages',
    operation: 'listChatCompletionMessages',
    summary: 'The input messages of a stored chat completion.',
    query: 'ListChatCompletionMessagesQuery',
    response: 'ChatCompletionMessageList',
    async handler({ params, query, api }) {
      return { json: await api.listChatCompletionMessages(params.completion_id!, query) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/completions',
    operation: 'createCompletion',
    summary: 'Create a (legacy) text completion; with `stream: true`, server-sent text_completion events ending with [DONE].',
    requestBody: 'CompletionRequest',
    response: 'Completion',
    streamEvent: 'Completion',
    async handler({ body, context, api }) {
      checkStreamOptions(body);
      if (body.stream) return { sse: await api.streamCompletion(body, context), done: true };
      return { json: await api.completion(body, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/embeddings',
    operation: 'createEmbeddings',
    summary: 'Create embeddings of one or more inputs (float or base64).',
    requestBody: 'EmbeddingsRequest',
    response: 'EmbeddingsResponse',
    async handler({ body, context, api }) {
      return { json: await api.embeddings(body, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/inference/rerank',
    operation: 'rerank',
    summary: 'Rerank items by their relevance to a query with a model of type `rerank`, most relevant first.',
    requestBody: 'RerankRequest',
    response: 'RerankResponse',
    async handler({ body, context, api }) {
      return { json: await api.rerank(body, context) };
    },
  }),
];
