import { describe, expect, it } from 'vitest';
import { ConformanceChecker } from './conformance.js';

const checker = new ConformanceChecker();

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: 'hi', refusal: null } }],
};

describe('the conformance checker', () => {
  it("checks an OpenAI route against OpenAI's schema, naming what differs", () => {
    expect(checker.check('POST', '/v1/chat/completions', 'json', completion)).toMatchObject({ spec: 'openai', schema: 'CreateChatCompletionResponse', conforms: true });
    const { refusal: _, ...withoutRefusal } = completion.choices[0]!.message;
    const verdict = checker.check('POST', '/v1/chat/completions', 'json', { ...completion, choices: [{ ...completion.choices[0], message: withoutRefusal }] });
    expect(verdict.conforms).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/\/choices\/0\/message\/refusal: must have required property 'refusal'/);
  });

  it('checks each stream event, and the same route under /v1/openai/v1', () => {
    const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'h' }, finish_reason: null }] };
    expect(checker.check('POST', '/v1/openai/v1/chat/completions', 'stream', chunk)).toMatchObject({ schema: 'CreateChatCompletionStreamResponse', conforms: true });
    expect(checker.check('POST', '/v1/chat/completions', 'stream', { ...chunk, choices: [{ index: 0, delta: { role: null } }] }).conforms).toBe(false);
  });

  it("checks a Llama Stack route against Llama Stack's schema, whatever its parameters are called", () => {
    expect(checker.check('GET', '/v1/health', 'json', { status: 'OK' })).toMatchObject({ spec: 'llama-stack', conforms: true });
    expect(checker.check('GET', '/v1/health', 'json', { status: 42 }).conforms).toBe(false);
    expect(checker.routeOf('GET', '/v1/vector_stores/{store}')?.operation.json).toBe('VectorStoreObject');
  });

  it("checks error envelopes against OpenAI's", () => {
    expect(checker.check('GET', '/v1/files/{file_id}', 'error', { error: { message: 'no', type: 'invalid_request_error', param: 'file_id', code: null } }).conforms).toBe(true);
    expect(checker.check('GET', '/v1/files/{file_id}', 'error', { error: { message: 'no', type: 'invalid_request_error' } }).conforms).toBe(false);
  });

  it('applies the listed quirks of the published specs, and only those', () => {
    const embeddings = { object: 'list', model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 }, data: [{ object: 'embedding', index: 0, embedding: 'AACAPw==' }] };
    expect(checker.check('POST', '/v1/embeddings', 'json', embeddings).conforms).toBe(true);
    expect(checker.check('POST', '/v1/embeddings', 'json', { ...embeddings, data: [{ object: 'embedding', index: 0, embedding: [true] }] }).conforms).toBe(false);
    const streamed = { id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'a', logprobs: null, finish_reason: null }] };
    expect(checker.check('POST', '/v1/completions', 'stream', streamed).conforms).toBe(true);
    expect(checker.check('POST', '/v1/completions', 'json', streamed).conforms).toBe(false);
  });

  it('leaves unchecked what no published spec describes', () => {
    expect(checker.check('GET', '/openapi.json', 'json', { anything: true })).toMatchObject({ spec: null, schema: null, conforms: true });
  });
});

describe('the published schemas cover the routes Cria serves', () => {
  // Routes no published spec has: Cria's own (the OpenAPI document of the server, Prometheus' scrape in its text format).
  const unpublished = new Set(['GET /openapi.json', 'GET /metrics']);

  it('finds every built-in route in a published spec, so no reply of theirs goes unchecked', async () => {
    const { BUILTIN_APIS } = await import('@cria/core');
    const missing: string[] = [];
    for (const entry of BUILTIN_APIS) {
      for (const route of (await entry.load()).routes ?? []) {
        const key = `${route.method} ${route.path}`;
        if (unpublished.has(key)) continue;
        // (A route the spec answers with no JSON body, such as a file's bytes, has no reply schema.)
        if (!checker.routeOf(route.method, route.path)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });
});
