import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';

// Passthrough's own behaviour: the URL and key of a request come from its provider data, and
// only the provider-data keys named in forward_headers go out as headers (never blocked ones).
describe('remote::passthrough', () => {
  let upstream: FakeOpenAIUpstream;
  let other: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    other = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [
            { provider_id: 'pass', provider_type: 'remote::passthrough', config: { base_url: upstream.url, forward_headers: { tenant: 'X-Tenant-Id', host_override: 'Host', team: 'X-Team' }, extra_blocked_headers: ['x-team'] } },
            { provider_id: 'open', provider_type: 'remote::passthrough', config: {} },
          ],
        },
        // `open` has no base_url to list models from: its model is registered.
        registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'open' }] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await other?.close();
  });

  function clientWith(providerData: Record<string, string> | null): OpenAI {
    return new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, ...(providerData ? { defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify(providerData) } } : {}) });
  }

  it('takes the URL and key from the provider data, and forwards only mapped headers', async () => {
    const client = clientWith({ passthrough_url: other.url, passthrough_api_key: 'k-1', tenant: 'acme', host_override: 'evil', team: 'blocked', unmapped: 'x' });
    await client.chat.completions.create({ model: 'pass/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const sent = other.lastRequest('/chat/completions')!;
    expect(sent.headers.authorization).toBe('Bearer k-1');
    expect(sent.headers['x-tenant-id']).toBe('acme');
    expect(sent.headers.host).not.toBe('evil');
    expect(sent.headers['x-team']).toBeUndefined();
    expect(sent.headers.unmapped).toBeUndefined();
    expect(upstream.lastRequest('/chat/completions')).toBeUndefined();
  });

  it('starts without base_url, and asks for passthrough_url when a request brings none', async () => {
    const failure = await clientWith(null)
      .chat.completions.create({ model: 'open/fake-llm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as Error).message).toContain('pass passthrough_url in X-LlamaStack-Provider-Data');
    await clientWith({ passthrough_url: other.url }).chat.completions.create({ model: 'open/fake-llm', messages: [{ role: 'user', content: 'routed' }] });
    expect(JSON.stringify(other.lastRequest('/chat/completions')!.body.messages)).toContain('routed');
  });
});
