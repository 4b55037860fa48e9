import { request } from 'undici';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer, type TestServer } from '@cria/testing';

// Faults of the upstream become clear errors: 502/504/429 with the upstream's message before a
// stream starts, an error event after; a client that goes away aborts the upstream request.
describe('upstream faults through Cria', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;
  const model = 'fake/fake-llm';
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'one two three four five six' }];

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ chunkDelayMs: 5 });
    server = await startTestServer({ distribution: remoteInferenceDistribution(upstream.url, { config: { network: { timeout: 1 } } }) });
    await server.stack.requireApi('models').listModels();
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterEach(() => upstream.clearFaults());
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
    const error = await promise.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }

  it('turns an upstream 500 into a 502 that carries the upstream message', async () => {
    upstream.fault({ kind: 'status', status: 500, message: 'GPU on fire' }, 1, '/chat/completions');
    const error = await failure(client.chat.completions.create({ model, messages }));
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(error.message).toContain('GPU on fire');
    expect(error.message).toContain("Provider 'fake' answered 500");
  });

  it('passes a 429 through with retry-after', async () => {
    upstream.fault({ kind: 'rate_limit', retryAfterSeconds: 7 }, 1, '/chat/completions');
    const error = await failure(client.chat.completions.create({ model, messages }));
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('7');
    expect(error.error).toMatchObject({ type: 'rate_limit_error' });
  });

  it('passes an upstream 400 through as a 400 with its message', async () => {
    upstream.fault({ kind: 'status', status: 400, message: "This model's maximum context length is 8 tokens", type: 'invalid_request_error' }, 1, '/chat/completions');
    const error = await failure(client.chat.completions.create({ model, messages }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('maximum context length');
  });

  it('answers 504 when the upstream is slower than the configured timeout', async () => {
    upstream.fault({ kind: 'slow_first_byte', delayMs: 6_000 }, 1, '/chat/completions');
    const started = Date.now();
    const error = await failure(client.chat.completions.create({ model, messages }));
    expect(error.status).toBe(504);
    expect(error.message).toMatch(/did not answer .* within 1 s/);
    // The timeout, not the upstream, ended the request (the upstream answers after 6 s; the
    // bound leaves a slow machine room).
    expect(Date.now() - started).toBeLessThan(4_500);
    // The upstream sees the connection close a moment after the client has its 504.
    await expect.poll(() => upstream.abortedRequests, { timeout: 5_000 }).toBeGreaterThan(0);
  });

  it('answers 502 when the upstream replies with a body that is not JSON', async () => {
    upstream.fault({ kind: 'invalid_json' }, 1, '/chat/completions');
    const error = await failure(client.chat.completions.create({ model, messages }));
    expect(error.status).toBe(502);
    expect(error.message).toContain('not JSON');
  });

  it('answers 502 before streaming when a streaming request fails upstream', async () => {
    upstream.fault({ kind: 'status', status: 503, message: 'overloaded' }, 1, '/chat/completions');
    const error = await failure(client.chat.completions.create({ model, messages, stream: true }));
    expect(error.status).toBe(502);
    expect(error.message).toContain('overloaded');
  });

  for (const fault of [
    { kind: 'broken_sse', afterChunks: 2 } as const,
    { kind: 'disconnect', afterChunks: 2 } as const,
    { kind: 'error_event', afterChunks: 2, message: 'the model crashed' } as const,
  ]) {
    it(`sends an error event, then ends the stream, when the upstream stream fails (${fault.kind})`, async () => {
      upstream.fault(fault, 1, '/chat/completions');
      const stream = await client.chat.completions.create({ model, messages, stream: true });
      const received: string[] = [];
      const error = await (async () => {
        try {
          for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
        } catch (caught) {
          return caught as Error;
        }
        return undefined;
      })();
      expect(received.length).toBe(2);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      if (fault.kind === 'error_event') expect(error!.message).toContain('the model crashed');
      else expect(error!.message).toMatch(/malformed stream event|closed the connection|ended before/);
    });
  }

  it('answers 502 naming the provider when nothing listens upstream', async () => {
    const refused = await startTestServer({
      distribution: remoteInferenceDistribution('http://127.0.0.1:9/v1', { models: [{ model_id: 'm', provider_id: 'fake' }] }),
    });
    try {
      const refusedClient = new OpenAI({ baseURL: refused.baseURL, apiKey: 'none', maxRetries: 0 });
      const error = await failure(refusedClient.chat.completions.create({ model: 'fake/m', messages }));
      expect(error.status).toBe(502);
      expect(error.message).toContain('connection refused');
      // The server itself stays up and answers its other routes.
      const models = await refusedClient.models.list();
      expect(models.data.map((entry) => entry.id)).toEqual(['fake/m']);
    } finally {
      await refused.close();
    }
  });

  it('aborts the upstream request when the client disconnects mid-stream', async () => {
    const before = upstream.abortedRequests;
    const controller = new AbortController();
    const response = await request(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'word '.repeat(400) }], stream: true }),
      signal: controller.signal,
    });
    for await (const _chunk of response.body) break;
    controller.abort();
    await expect.poll(() => upstream.abortedRequests, { timeout: 3_000 }).toBeGreaterThan(before);
    await expect.poll(() => upstream.inFlight, { timeout: 3_000 }).toBe(0);
  });

  it('aborts the upstream request when the client gives up on a non-streaming request', async () => {
    const before = upstream.abortedRequests;
    upstream.fault({ kind: 'hang' }, 1, '/chat/completions');
    const slowClient = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, timeout: 300 });
    await expect(slowClient.chat.completions.create({ model, messages })).rejects.toThrow();
    await expect.poll(() => upstream.abortedRequests, { timeout: 3_000 }).toBeGreaterThan(before);
  });
});
