import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer } from '@cria/testing';
import { adapterTestCatalog, TEST_PROVIDER_TYPE } from './openai-compat-test-provider.js';

// What the shared adapter does for every OpenAI-compatible provider: model allow-lists, network
// headers, config validation, per-request API keys.
describe('the OpenAI-compatible adapter', () => {
  let upstream: FakeOpenAIUpstream;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it('lists only allowed_models and sends network.headers with every request', async () => {
    const server = await startTestServer({
      catalog: adapterTestCatalog(),
      distribution: {
        providers: {
          inference: [{ provider_id: 'r', provider_type: TEST_PROVIDER_TYPE, config: { base_url: upstream.url, api_key: 'k', allowed_models: ['fake-llm-2'], network: { headers: { 'X-Team': 'search' } } } }],
        },
      },
    });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      expect((await client.models.list()).data.map((model) => model.id)).toEqual(['r/fake-llm-2']);
      await client.chat.completions.create({ model: 'r/fake-llm-2', messages: [{ role: 'user', content: 'hi' }] });
      expect(upstream.lastRequest('/chat/completions')!.headers['x-team']).toBe('search');
      expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer k');
      expect(upstream.lastRequest('/models')!.headers['x-team']).toBe('search');
    } finally {
      await server.close();
    }
  });

  it('sends the API key of the request\'s provider data instead of the configured one', async () => {
    const server = await startTestServer({
      catalog: adapterTestCatalog(),
      distribution: {
        providers: { inference: [{ provider_id: 't', provider_type: TEST_PROVIDER_TYPE, config: { base_url: upstream.url, api_key: 'configured' } }] },
        registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 't' }] },
      },
    });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ test_api_key: 'per-request' }) } });
      await client.chat.completions.create({ model: 't/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
      expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer per-request');
    } finally {
      await server.close();
    }
  });

  it('refuses a config with an unknown key, naming its YAML path, and one without base_url', async () => {
    await expect(
      startTestServer({ catalog: adapterTestCatalog(), distribution: { providers: { inference: [{ provider_id: 'o', provider_type: TEST_PROVIDER_TYPE, config: { api_key: 'k', base_ulr: 'http://x' } }] } } }),
    ).rejects.toThrow(/providers\.inference\[0\]\.config\.base_ulr: Unrecognized/);
    await expect(startTestServer({ catalog: adapterTestCatalog(), distribution: { providers: { inference: [{ provider_id: 'o', provider_type: TEST_PROVIDER_TYPE, config: {} }] } } })).rejects.toThrow(
      /providers\.inference\[0\]: remote::openai-compat-test needs base_url/,
    );
  });
});
