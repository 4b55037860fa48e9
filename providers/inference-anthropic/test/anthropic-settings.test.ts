import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { ANTHROPIC_VERSION, anthropicPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::anthropic: starts with no ANTHROPIC_API_KEY and says so; sends the key both as a bearer
// token (the OpenAI-compatible endpoint) and as Anthropic's x-api-key with anthropic-version (its
// model list), the configured key or the request's anthropic_api_key.
describe('remote::anthropic settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: { LOCAL_ANTHROPIC_KEY: 'sk-ant-configured' },
      distribution: {
        providers: {
          inference: [
            { provider_id: 'anthropic', provider_type: 'remote::anthropic', config: anthropicPreset.sampleConfig },
            { provider_id: 'local', provider_type: 'remote::anthropic', config: { base_url: upstream.url, api_key: '${env.LOCAL_ANTHROPIC_KEY:=}' } },
          ],
        },
        registered_resources: { models: [{ model_id: 'anthropic/claude-sonnet-4-20250514', provider_id: 'anthropic', provider_model_id: 'claude-sonnet-4-20250514' }] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('starts without a key: its health names ANTHROPIC_API_KEY, and a request fails with 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    expect(providers.data.find((provider) => provider.provider_id === 'anthropic')!.health).toMatchObject({ status: 'Error', message: expect.stringContaining('ANTHROPIC_API_KEY') });
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const failure = await clientFailure(client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*anthropic_api_key)(?=.*ANTHROPIC_API_KEY)/s);
  });

  it('shows no key in GET /v1/providers', async () => {
    const providers = await (await fetch(`${server.url}/v1/providers`)).text();
    expect(providers).toContain('"api_key"');
    expect(providers).not.toContain('sk-ant-configured');
  });

  it('lists models with x-api-key and anthropic-version', async () => {
    const models = upstream.lastRequest('/models')!;
    expect(models.headers['x-api-key']).toBe('sk-ant-configured');
    expect(models.headers['anthropic-version']).toBe(ANTHROPIC_VERSION);
  });

  it('sends the configured key, or the request\'s anthropic_api_key, as bearer token and x-api-key', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    await client.chat.completions.create({ model: 'local/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers).toMatchObject({ authorization: 'Bearer sk-ant-configured', 'x-api-key': 'sk-ant-configured', 'anthropic-version': ANTHROPIC_VERSION });
    const perRequest = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ anthropic_api_key: 'sk-ant-request' }) } });
    await perRequest.chat.completions.create({ model: 'local/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers).toMatchObject({ authorization: 'Bearer sk-ant-request', 'x-api-key': 'sk-ant-request' });
  });
});
