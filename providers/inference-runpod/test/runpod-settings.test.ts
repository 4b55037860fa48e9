import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { runpodPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::runpod with Llama Stack's keys: base_url from RUNPOD_URL, api_token from
// RUNPOD_API_TOKEN (or runpod_api_token per request).
describe('remote::runpod settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: { RUNPOD_URL: upstream.url },
      distribution: {
        providers: { inference: [{ provider_id: 'runpod', provider_type: 'remote::runpod', config: runpodPreset.sampleConfig }] },
        registered_resources: { models: [{ model_id: 'runpod/fake-llm', provider_id: 'runpod', provider_model_id: 'fake-llm' }] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('starts without RUNPOD_API_TOKEN, names it in its health and in the 400 of a request', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    expect(providers.data.find((provider) => provider.provider_id === 'runpod')!.health).toMatchObject({ status: 'Error', message: expect.stringContaining('RUNPOD_API_TOKEN') });
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const failure = await clientFailure(client.chat.completions.create({ model: 'runpod/fake-llm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*runpod_api_token)(?=.*RUNPOD_API_TOKEN)/s);
  });

  it('sends the request\'s runpod_api_token, or the configured api_token, as the bearer key', async () => {
    const perRequest = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ runpod_api_token: 'rp-request' }) } });
    await perRequest.chat.completions.create({ model: 'runpod/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer rp-request');
    const configured = await startTestServer({
      env: { RUNPOD_URL: upstream.url, RUNPOD_API_TOKEN: 'rp-configured' },
      distribution: { providers: { inference: [{ provider_id: 'runpod', provider_type: 'remote::runpod', config: runpodPreset.sampleConfig }] } },
    });
    try {
      const client = new OpenAI({ baseURL: configured.baseURL, apiKey: 'none', maxRetries: 0 });
      await client.chat.completions.create({ model: 'runpod/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
      expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer rp-configured');
    } finally {
      await configured.close();
    }
  });

  it('needs base_url (RUNPOD_URL)', async () => {
    await expect(startTestServer({ env: {}, distribution: { providers: { inference: [{ provider_id: 'runpod', provider_type: 'remote::runpod', config: runpodPreset.sampleConfig }] } } })).rejects.toThrow(
      /remote::runpod needs base_url/,
    );
  });
});
