import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { cerebrasPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::cerebras as Llama Stack's starter configures it: it starts with no CEREBRAS_API_KEY,
// says what is missing, and takes a key per request.
describe('remote::cerebras settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: {},
      distribution: {
        providers: {
          inference: [
            { provider_id: 'cerebras', provider_type: 'remote::cerebras', config: cerebrasPreset.sampleConfig },
            { provider_id: 'local', provider_type: 'remote::cerebras', config: { base_url: upstream.url, api_key: '${env.CEREBRAS_API_KEY:=}' } },
          ],
        },
        registered_resources: {
          models: [
            { model_id: 'cerebras/llama3.1-8b', provider_id: 'cerebras', provider_model_id: 'llama3.1-8b' },
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

  it('starts without a key: its health names CEREBRAS_API_KEY, and a request fails with 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    const health = providers.data.find((provider) => provider.provider_id === 'cerebras')!.health;
    expect(health).toMatchObject({ status: 'Error', message: expect.stringContaining('CEREBRAS_API_KEY') });
    expect(health.message).toContain('cerebras_api_key');
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const failure = await clientFailure(client.chat.completions.create({ model: 'cerebras/llama3.1-8b', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*cerebras_api_key)(?=.*CEREBRAS_API_KEY)/s);
  });

  it('sends the cerebras_api_key of X-LlamaStack-Provider-Data as the bearer key', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ cerebras_api_key: 'csk-request' }) } });
    await client.chat.completions.create({ model: 'local/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer csk-request');
  });
});
