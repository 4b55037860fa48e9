import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { nvidiaPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::nvidia: the hosted API (the starter's default) needs NVIDIA_API_KEY and starts without
// it, saying so; a self-hosted NIM needs no key; Llama Stack's own keys (timeout,
// rerank_model_to_url) are accepted.
describe('remote::nvidia settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: {},
      distribution: {
        providers: {
          inference: [
            { provider_id: 'nvidia', provider_type: 'remote::nvidia', config: nvidiaPreset.sampleConfig },
            {
              provider_id: 'nim',
              provider_type: 'remote::nvidia',
              config: { base_url: upstream.url, api_key: '${env.NVIDIA_API_KEY:=}', timeout: 30, rerank_model_to_url: { 'nv-rerank-qa-mistral-4b:1': 'https://ai.api.nvidia.com/v1/retrieval/nvidia/reranking' } },
            },
          ],
        },
        registered_resources: { models: [{ model_id: 'nvidia/meta/llama-3.1-8b-instruct', provider_id: 'nvidia', provider_model_id: 'meta/llama-3.1-8b-instruct' }] },
      },
    });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('starts without a key for the hosted API: its health names NVIDIA_API_KEY, and a request fails with 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    expect(providers.data.find((provider) => provider.provider_id === 'nvidia')!.health).toMatchObject({ status: 'Error', message: expect.stringContaining('NVIDIA_API_KEY') });
    const failure = await clientFailure(client.chat.completions.create({ model: 'nvidia/meta/llama-3.1-8b-instruct', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*nvidia_api_key)(?=.*NVIDIA_API_KEY)/s);
  });

  it('serves a self-hosted NIM without a key, and a key per request when given', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    expect(providers.data.find((provider) => provider.provider_id === 'nim')!.health.status).toBe('OK');
    await client.chat.completions.create({ model: 'nim/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBeUndefined();
    const withKey = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ nvidia_api_key: 'nvapi-request' }) } });
    await withKey.chat.completions.create({ model: 'nim/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer nvapi-request');
  });

  it('refuses a timeout that is not a whole number of seconds', async () => {
    await expect(
      startTestServer({ distribution: { providers: { inference: [{ provider_id: 'n', provider_type: 'remote::nvidia', config: { base_url: upstream.url, timeout: 'soon' } }] } } }),
    ).rejects.toThrow(/providers\.inference\[0\]\.config\.timeout/);
  });
});
