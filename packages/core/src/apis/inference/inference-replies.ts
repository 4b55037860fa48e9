import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingsResponse } from '@cria/api';
import { dropNull } from '../reply-shape.js';

/**
 * Replies in OpenAI's published shape, whatever the provider returned: fields the schema
 * requires are present (null where it allows null), fields it does not let be null are left out
 * when unset, and `object` is what the spec says. Upstreams differ here (Ollama leaves out
 * `refusal`, some servers send `logprobs` without `refusal`, `usage: null` in completion chunks),
 * and strictly typed clients reject the difference. Each function changes the reply in place.
 */

type Loose = Record<string, unknown>;

/** A choice's `logprobs`: null, or an object with both `content` and `refusal` (each a list or null). */
function conformLogprobs(choice: Loose): void {
  const logprobs = choice.logprobs as Loose | null | undefined;
  if (logprobs === undefined || logprobs === null) return;
  logprobs.content ??= null;
  logprobs.refusal ??= null;
}

/** `usage` left out when null (where its schema has no null), its details left out when null. */
function conformUsage(reply: Loose, nullable: boolean): void {
  const usage = reply.usage as Loose | null | undefined;
  if (usage) dropNull(usage, 'completion_tokens_details', 'prompt_tokens_details');
  else if (usage === null && !nullable) delete reply.usage;
}

/** Tool calls as OpenAI types them: a list, each call's id, type and function never null. */
function conformToolCalls(message: Loose): void {
  dropNull(message, 'tool_calls', 'function_call');
  for (const call of (message.tool_calls as Loose[] | undefined) ?? []) {
    dropNull(call, 'id', 'type', 'function');
    if (call.function) dropNull(call.function, 'name', 'arguments');
  }
}

export function conformChatCompletion(completion: ChatCompletion): ChatCompletion {
  completion.object = 'chat.completion';
  for (const choice of completion.choices as unknown as Loose[]) {
    choice.logprobs ??= null;
    conformLogprobs(choice);
    const message = choice.message as Loose;
    message.content ??= null;
    message.refusal ??= null;
    dropNull(message, 'annotations');
    conformToolCalls(message);
  }
  conformUsage(completion as unknown as Loose, false);
  dropNull(completion, 'system_fingerprint');
  return completion;
}

export function conformChatCompletionChunk(chunk: ChatCompletionChunk): ChatCompletionChunk {
  chunk.object = 'chat.completion.chunk';
  for (const choice of chunk.choices as unknown as Loose[]) {
    choice.finish_reason ??= null;
    conformLogprobs(choice);
    const delta = (choice.delta ??= {}) as Loose;
    dropNull(delta, 'role');
    conformToolCalls(delta);
  }
  conformUsage(chunk as unknown as Loose, true);
  dropNull(chunk, 'system_fingerprint');
  return chunk;
}

/** A text completion, or one event of a streamed one (whose `finish_reason` is null until its last). */
export function conformCompletion(completion: Completion): Completion {
  completion.object = 'text_completion';
  for (const choice of completion.choices as unknown as Loose[]) {
    choice.logprobs ??= null;
    choice.finish_reason ??= null;
  }
  conformUsage(completion as unknown as Loose, false);
  dropNull(completion, 'system_fingerprint');
  return completion;
}

export function conformEmbeddings(response: EmbeddingsResponse): EmbeddingsResponse {
  response.object = 'list';
  for (const embedding of response.data as unknown as Loose[]) embedding.object = 'embedding';
  return response;
}
