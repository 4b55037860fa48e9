import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';

// vLLM's own config keys: the default max_tokens, api_token as the key, the deprecated
// tls_verify; and what a vLLM config must have.
describe('remote::vllm settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [
            { provider_id: 'v', provider_type: 'remote::vllm', config: { base_url: upstream.url, api_token: 'vllm-token', tls_verify: false } },
            { provider_id: 'unbounded', provider_type: 'remote::vllm', config: { base_url: upstream.url, api_key: 'vllm-token', max_tokens: null } },
          ],
        },
      },
    });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('sends api_token as the bearer key, and max_tokens (4096 by default) only when the request bounds neither length field', async () => {
    await client.chat.completions.create({ model: 'v/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const sent = upstream.lastRequest('/chat/completions')!;
    expect(sent.headers.authorization).toBe('Bearer vllm-token');
    expect(sent.body.max_tokens).toBe(4096);
    await client.chat.completions.create({ model: 'v/fake-llm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 8 });
    expect(upstream.lastRequest('/chat/completions')!.body.max_tokens).toBeUndefined();
    await client.chat.completions.create({ model: 'unbounded/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.body.max_tokens).toBeUndefined();
  });

  it('starts with the deprecated tls_verify, and checks its health at vLLM\'s /health beside the /v1 root', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string } }[] };
    expect(providers.data.find((provider) => provider.provider_id === 'v')!.health.status).toBe('OK');
    expect(upstream.lastRequest('/health')).toBeDefined();
  });

  it('needs base_url, and names the known provider types for an unknown one', async () => {
    await expect(startTestServer({ distribution: { providers: { inference: [{ provider_id: 'v', provider_type: 'remote::vllm', config: {} }] } } })).rejects.toThrow(/needs base_url/);
    await expect(startTestServer({ distribution: { providers: { inference: [{ provider_id: 'v', provider_type: 'remote::nope', config: {} }] } } })).rejects.toThrow(/unknown provider type 'remote::nope'.*remote::vllm/);
  });
});
