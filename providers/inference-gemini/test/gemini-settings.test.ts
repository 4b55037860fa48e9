import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { geminiPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::gemini as Llama Stack's starter configures it: it starts with no GEMINI_API_KEY,
// says what is missing, and takes a key per request.
describe('remote::gemini settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: {},
      distribution: {
        providers: {
          inference: [
            { provider_id: 'gemini', provider_type: 'remote::gemini', config: geminiPreset.sampleConfig },
            { provider_id: 'local', provider_type: 'remote::gemini', config: { base_url: upstream.url, api_key: '${env.GEMINI_API_KEY:=}' } },
          ],
        },
        registered_resources: {
          models: [
            { model_id: 'gemini/models/gemini-2.5-flash', provider_id: 'gemini', provider_model_id: 'models/gemini-2.5-flash' },
            { model_id: 'local/fake-llm', provider_id: 'local', provider_model_id: 'fake-llm' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('starts without a key: its health names GEMINI_API_KEY, and a request fails with 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    const health = providers.data.find((provider) => provider.provider_id === 'gemini')!.health;
    expect(health).toMatchObject({ status: 'Error', message: expect.stringContaining('GEMINI_API_KEY') });
    expect(health.message).toContain('gemini_api_key');
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const failure = await clientFailure(client.chat.completions.create({ model: 'gemini/models/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*gemini_api_key)(?=.*GEMINI_API_KEY)/s);
  });

  it('sends the gemini_api_key of X-LlamaStack-Provider-Data as the bearer key', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ gemini_api_key: 'gemini-request' }) } });
    await client.chat.completions.create({ model: 'local/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer gemini-request');
  });
});
