import { type JsonSchema, nullable, object } from './json-schema.js';

/**
 * Inference: chat completions (schemas-chat.ts), completions and embeddings
 * (schemas-completions.ts), as OpenAI's spec (2.3.0) defines them and Llama Stack 0.7.1 serves
 * them. Requests accept extra properties (Llama Stack's "WithExtraBody"): they pass through to
 * the provider untouched. This file holds what chat and completions share.
 */

const text: JsonSchema = { type: 'string' };

const stop: JsonSchema = nullable({
  description: 'Up to 4 sequences where the model stops generating.',
  anyOf: [text, { type: 'array', items: text, minItems: 1, maxItems: 4 }],
});

const streamOptions = nullable(
  object({
    include_usage: { type: 'boolean', description: 'Send a last chunk with the usage of the whole request.' },
    include_obfuscation: { type: 'boolean' },
  }),
);

/** The sampling and streaming fields of chat and completion requests. */
export const sampling = {
  temperature: nullable({ type: 'number', minimum: 0, maximum: 2 }),
  top_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  frequency_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
  presence_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
  seed: nullable({ type: 'integer' }),
  logit_bias: nullable({ type: 'object', additionalProperties: { type: 'number' } }),
  user: { type: 'string', description: 'An id of the end user, for abuse monitoring.' },
  stream: nullable({ type: 'boolean' }),
  stream_options: streamOptions,
  n: nullable({ type: 'integer', minimum: 1, maximum: 128 }),
  stop,
} satisfies Record<string, JsonSchema>;

/** CompletionUsage: the tokens of a chat completion or a completion. */
export const usage = object(
  {
    prompt_tokens: { type: 'integer' },
    completion_tokens: { type: 'integer' },
    total_tokens: { type: 'integer' },
    prompt_tokens_details: nullable(object({ cached_tokens: { type: 'integer' }, audio_tokens: { type: 'integer' } })),
    completion_tokens_details: nullable(object({ reasoning_tokens: { type: 'integer' }, audio_tokens: { type: 'integer' } })),
  },
  { required: ['prompt_tokens', 'completion_tokens', 'total_tokens'], title: 'CompletionUsage' },
);

export const finishReason: JsonSchema = { type: 'string', enum: ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'] };
