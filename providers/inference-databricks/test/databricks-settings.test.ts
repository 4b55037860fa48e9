import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { databricksHost, databricksPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::databricks with Llama Stack's keys: base_url from DATABRICKS_HOST, api_token from
// DATABRICKS_TOKEN (or databricks_api_token per request).
describe('remote::databricks settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: { DATABRICKS_HOST: upstream.url },
      distribution: {
        providers: { inference: [{ provider_id: 'databricks', provider_type: 'remote::databricks', config: databricksPreset.sampleConfig }] },
        registered_resources: { models: [{ model_id: 'databricks/fake-llm', provider_id: 'databricks', provider_model_id: 'fake-llm' }] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('starts without DATABRICKS_TOKEN, names it in its health and in the 400 of a request', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    expect(providers.data.find((provider) => provider.provider_id === 'databricks')!.health).toMatchObject({ status: 'Error', message: expect.stringContaining('DATABRICKS_TOKEN') });
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const failure = await clientFailure(client.chat.completions.create({ model: 'databricks/fake-llm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*databricks_api_token)(?=.*DATABRICKS_TOKEN)/s);
  });

  it('sends the request\'s databricks_api_token as the bearer key', async () => {
    const perRequest = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ databricks_api_token: 'dapi-request' }) } });
    await perRequest.chat.completions.create({ model: 'databricks/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer dapi-request');
  });

  it('finds the workspace of a base_url, with or without /serving-endpoints', () => {
    expect(databricksHost('https://dbc-1.cloud.databricks.com/serving-endpoints')).toBe('https://dbc-1.cloud.databricks.com');
    expect(databricksHost('https://dbc-1.cloud.databricks.com/serving-endpoints/')).toBe('https://dbc-1.cloud.databricks.com');
    expect(databricksHost('https://dbc-1.cloud.databricks.com')).toBe('https://dbc-1.cloud.databricks.com');
  });

  it('needs base_url (DATABRICKS_HOST)', async () => {
    await expect(
      startTestServer({ env: {}, distribution: { providers: { inference: [{ provider_id: 'databricks', provider_type: 'remote::databricks', config: databricksPreset.sampleConfig }] } } }),
    ).rejects.toThrow(/remote::databricks needs base_url/);
  });
});
