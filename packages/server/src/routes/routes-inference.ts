import type { ChatCompletionRequest, CompletionRequest, EmbeddingsRequest, ListChatCompletionMessagesQuery, ListChatCompletionsQuery } from '@cria/api';
import { InvalidRequestError } from '@cria/api';
import type { InferenceRouter, InferenceStore, Stack } from '@cria/core';
import { defineRoutes, type RouteInput } from '../server-routes.js';

function inference(stack: Stack): InferenceRouter {
  const router = stack.inference;
  if (!router) throw new InvalidRequestError('This distribution serves no inference API (it has no inference provider).');
  return router;
}

function store(stack: Stack): InferenceStore {
  const inferenceStore = stack.inferenceStore;
  if (!inferenceStore) throw new InvalidRequestError('This distribution keeps no chat completions: it has no storage.stores.inference.');
  return inferenceStore;
}

export const inferenceRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/v1/chat/completions',
    api: 'inference',
    operation: 'createChatCompletion',
    summary: 'Create a chat completion; with `stream: true`, server-sent chat.completion.chunk events ending with [DONE].',
    requestBody: 'ChatCompletionRequest',
    response: 'ChatCompletion',
    streamEvent: 'ChatCompletionChunk',
    hotPath: true,
    async handler({ body, context, stack }: RouteInput<ChatCompletionRequest>) {
      if (body.stream_options && !body.stream) throw new InvalidRequestError('stream_options is only allowed when stream is true.', { param: 'stream_options' });
      if (body.stream) return { sse: await inference(stack).streamChatCompletion(body, context), done: true };
      return { json: await inference(stack).chatCompletion(body, context) };
    },
  },
  {
    method: 'GET',
    path: '/v1/chat/completions',
    api: 'inference',
    operation: 'listChatCompletions',
    summary: 'List stored chat completions, newest first by default.',
    query: 'ListChatCompletionsQuery',
    response: 'ChatCompletionList',
    async handler({ query, stack }: RouteInput<unknown, ListChatCompletionsQuery>) {
      return { json: await store(stack).list(query) };
    },
  },
  {
    method: 'GET',
    path: '/v1/chat/completions/{completion_id}',
    api: 'inference',
    operation: 'getChatCompletion',
    summary: 'A stored chat completion with its input messages.',
    response: 'StoredChatCompletion',
    async handler({ params, stack }) {
      return { json: await store(stack).get(params.completion_id!) };
    },
  },
  {
    method: 'GET',
    path: '/v1/chat/completions/{completion_id}/messages',
    api: 'inference',
    operation: 'listChatCompletionMessages',
    summary: 'The input messages of a stored chat completion.',
    query: 'ListChatCompletionMessagesQuery',
    response: 'ChatCompletionMessageList',
    async handler({ params, query, stack }: RouteInput<unknown, ListChatCompletionMessagesQuery>) {
      return { json: await store(stack).listMessages(params.completion_id!, query) };
    },
  },
  {
    method: 'POST',
    path: '/v1/completions',
    api: 'inference',
    operation: 'createCompletion',
    summary: 'Create a (legacy) text completion; with `stream: true`, server-sent text_completion events ending with [DONE].',
    requestBody: 'CompletionRequest',
    response: 'Completion',
    streamEvent: 'Completion',
    hotPath: true,
    async handler({ body, context, stack }: RouteInput<CompletionRequest>) {
      if (body.stream_options && !body.stream) throw new InvalidRequestError('stream_options is only allowed when stream is true.', { param: 'stream_options' });
      if (body.stream) return { sse: await inference(stack).streamCompletion(body, context), done: true };
      return { json: await inference(stack).completion(body, context) };
    },
  },
  {
    method: 'POST',
    path: '/v1/embeddings',
    api: 'inference',
    operation: 'createEmbeddings',
    summary: 'Create embeddings of one or more inputs (float or base64).',
    requestBody: 'EmbeddingsRequest',
    response: 'EmbeddingsResponse',
    hotPath: true,
    async handler({ body, context, stack }: RouteInput<EmbeddingsRequest>) {
      return { json: await inference(stack).embeddings(body, context) };
    },
  },
]);
