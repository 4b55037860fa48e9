import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer, type TestServer } from '@cria/testing';

// HTTP behaviour every route shares: the envelope for malformed requests, 404/405, the body
// limit, the historical prefix, provider data, CORS and /openapi.json.
describe('server HTTP behaviour', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'per-request-key' });
    server = await startTestServer({
      distribution: {
        ...remoteInferenceDistribution(upstream.url, { config: { api_key: null }, models: [{ model_id: 'fake-llm', provider_id: 'fake' }] }),
        server: { cors: { allow_origins: ['http://app.example'] } },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  async function call(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}) {
    const response = await request(`${server.url}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json', ...(options.headers ?? {}) }, ...(options.body !== undefined ? { body: options.body } : {}) });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  }

  const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'fake/fake-llm', messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('answers malformed JSON, empty bodies and non-object bodies with 400', async () => {
    for (const body of ['{"model": ', '', '[1,2]', '"text"']) {
      const reply = await call('POST', '/v1/chat/completions', { body });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toMatchObject({ type: 'invalid_request_error', message: expect.any(String), param: null, code: null });
    }
  });

  it('answers an oversized body with 413', async () => {
    const reply = await call('POST', '/v1/chat/completions', { body: chat({ messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] }) });
    expect(reply.status).toBe(413);
    expect(reply.json.error.message).toContain('limit');
  });

  it('answers unknown routes with 404 and wrong methods with 405, in the envelope', async () => {
    const missing = await call('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ message: 'Invalid URL (GET /v1/nothing-here)', type: 'invalid_request_error' });
    const wrongMethod = await call('DELETE', '/v1/embeddings');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.message).toContain('POST');
  });

  it('serves the historical /v1/openai/v1 prefix', async () => {
    const reply = await call('POST', '/v1/openai/v1/chat/completions', { body: chat(), headers: { 'x-llamastack-provider-data': JSON.stringify({ openai_api_key: 'per-request-key' }) } });
    expect(reply.status).toBe(200);
    expect((await call('GET', '/v1/openai/v1/models')).json.data.length).toBeGreaterThan(0);
  });

  it('uses the API key from X-LlamaStack-Provider-Data, and says how to pass one when none is set', async () => {
    const withKey = await call('POST', '/v1/chat/completions', { body: chat(), headers: { 'x-llamastack-provider-data': JSON.stringify({ openai_api_key: 'per-request-key' }) } });
    expect(withKey.status).toBe(200);
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer per-request-key');
    const withoutKey = await call('POST', '/v1/chat/completions', { body: chat() });
    expect(withoutKey.status).toBe(400);
    expect(withoutKey.json.error).toMatchObject({ code: 'missing_provider_api_key' });
    expect(withoutKey.json.error.message).toContain('openai_api_key');
    const wrongKey = await call('POST', '/v1/chat/completions', { body: chat(), headers: { 'x-llamastack-provider-data': JSON.stringify({ openai_api_key: 'wrong' }) } });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.json.error.message).toContain('Incorrect API key');
    const badHeader = await call('POST', '/v1/chat/completions', { body: chat(), headers: { 'x-llamastack-provider-data': 'not json' } });
    expect(badHeader.status).toBe(400);
    expect(badHeader.json.error.param).toBe('X-LlamaStack-Provider-Data');
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const allowed = await call('OPTIONS', '/v1/chat/completions', { headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://app.example');
    const other = await call('GET', '/v1/models', { headers: { origin: 'http://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('validates list queries', async () => {
    const reply = await call('GET', '/v1/chat/completions?limit=0');
    expect(reply.status).toBe(400);
    expect(reply.json.error.param).toBe('limit');
    const order = await call('GET', '/v1/chat/completions?order=sideways');
    expect(order.json.error.param).toBe('order');
    const filter = await call('GET', '/v1/inspect/routes?api_filter=v9');
    expect(filter.status).toBe(400);
  });

  it('publishes an OpenAPI document of every route', async () => {
    const reply = await call('GET', '/openapi.json');
    expect(reply.json.openapi).toBe('3.1.0');
    expect(reply.json.paths['/v1/chat/completions'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ChatCompletionRequest' });
    expect(reply.json.paths['/v1/models/{model_id}'].get.parameters[0]).toMatchObject({ name: 'model_id', in: 'path' });
    const refs = JSON.stringify(reply.json).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) expect(reply.json.components.schemas[ref.split('/').pop()!]).toBeDefined();
  });
});
