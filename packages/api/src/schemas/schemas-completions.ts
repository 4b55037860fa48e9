import { type JsonSchema, nullable, object, ref } from './json-schema.js';
import { finishReason, sampling } from './schemas-inference.js';

/** Legacy completions and embeddings, as OpenAI's spec (2.3.0) defines them and Llama Stack 0.7.1 serves them. */

const text: JsonSchema = { type: 'string' };

const completionRequest = object(
  {
    model: { type: 'string', minLength: 1 },
    prompt: {
      description: 'A string, a list of strings, a list of tokens or a list of token lists.',
      anyOf: [
        text,
        { type: 'array', minItems: 1, items: text },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', items: { type: 'integer' } } },
      ],
    },
    ...sampling,
    best_of: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    echo: nullable({ type: 'boolean' }),
    logprobs: nullable({ type: 'integer', minimum: 0, maximum: 5 }),
    max_tokens: nullable({ type: 'integer', minimum: 0 }),
    suffix: nullable(text),
  },
  { required: ['model', 'prompt'], title: 'CompletionRequest', description: 'POST /v1/completions (legacy completions).' },
);

const completion = object(
  {
    id: text,
    object: { type: 'string', const: 'text_completion' },
    created: { type: 'integer' },
    model: text,
    choices: {
      type: 'array',
      items: object(
        {
          index: { type: 'integer' },
          text,
          finish_reason: nullable(finishReason),
          logprobs: nullable(
            object({
              tokens: { type: 'array', items: text },
              token_logprobs: { type: 'array', items: { type: 'number' } },
              top_logprobs: { type: 'array', items: { type: 'object', additionalProperties: { type: 'number' } } },
              text_offset: { type: 'array', items: { type: 'integer' } },
            }),
          ),
        },
        { required: ['index', 'text', 'finish_reason'], title: 'CompletionChoice' },
      ),
    },
    usage: ref('CompletionUsage'),
    system_fingerprint: nullable(text),
  },
  { required: ['id', 'object', 'created', 'model', 'choices'], title: 'Completion', description: 'A completion, or one streamed chunk of one.' },
);

const embeddingsRequest = object(
  {
    model: { type: 'string', minLength: 1 },
    input: {
      description: 'A string, a list of strings, a list of tokens or a list of token lists.',
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, maxItems: 2048, items: text },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', minItems: 1, items: { type: 'integer' } } },
      ],
    },
    encoding_format: { type: 'string', enum: ['float', 'base64'], default: 'float' },
    dimensions: { type: 'integer', minimum: 1 },
    user: text,
  },
  { required: ['model', 'input'], title: 'EmbeddingsRequest', description: 'POST /v1/embeddings.' },
);

const embedding = object(
  {
    object: { type: 'string', const: 'embedding' },
    index: { type: 'integer' },
    embedding: {
      description: 'The vector: numbers, or a base64 string of little-endian float32 when `encoding_format` is base64.',
      anyOf: [{ type: 'array', items: { type: 'number' } }, text],
    },
  },
  { required: ['object', 'index', 'embedding'], title: 'Embedding' },
);

const embeddingsResponse = object(
  {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('Embedding') },
    model: text,
    usage: object({ prompt_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } }, { required: ['prompt_tokens', 'total_tokens'] }),
  },
  { required: ['object', 'data', 'model', 'usage'], title: 'EmbeddingsResponse' },
);

export const completionsSchemas: Record<string, JsonSchema> = {
  CompletionRequest: completionRequest,
  Completion: completion,
  EmbeddingsRequest: embeddingsRequest,
  Embedding: embedding,
  EmbeddingsResponse: embeddingsResponse,
};
