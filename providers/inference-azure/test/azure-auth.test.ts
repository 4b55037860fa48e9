import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { azureApiRoot } from '../src/index.js';

// Azure's own way: the key in the `api-key` header (never a bearer token), `api-version` on every
// request, per-request key, base and version from X-LlamaStack-Provider-Data; and a provider
// configured from an empty environment starts and says what is missing.
describe('remote::azure', () => {
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
            { provider_id: 'azure', provider_type: 'remote::azure', config: { base_url: upstream.url, api_key: 'azure-key', api_version: '2024-12-01-preview', api_type: 'azure' } },
            // What the starter's `${env.AZURE_API_KEY:=}`... entries give with no environment.
            { provider_id: 'empty', provider_type: 'remote::azure', config: { api_key: '', base_url: '', api_version: '', api_type: '' } },
          ],
        },
        registered_resources: { models: [{ model_id: 'gpt-4o-deployment', provider_id: 'empty', provider_model_id: 'fake-llm' }] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await other?.close();
  });

  function client(providerData?: Record<string, string>): OpenAI {
    return new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, ...(providerData ? { defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify(providerData) } } : {}) });
  }

  it('sends the key as api-key and api-version as a query parameter, to the deployment named as model', async () => {
    await client().chat.completions.create({ model: 'azure/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const sent = upstream.lastRequest('/chat/completions')!;
    expect(sent.url).toBe('/v1/chat/completions?api-version=2024-12-01-preview');
    expect(sent.headers['api-key']).toBe('azure-key');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.model).toBe('fake-llm');
    expect(upstream.requests.find((request) => request.path === '/models')!.headers['api-key']).toBe('azure-key');
  });

  it('takes azure_api_key, azure_api_base and azure_api_version from the provider data', async () => {
    await client({ azure_api_key: 'request-key', azure_api_base: other.url, azure_api_version: 'preview' }).chat.completions.create({ model: 'azure/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const sent = other.lastRequest('/chat/completions')!;
    expect(sent.url).toBe('/v1/chat/completions?api-version=preview');
    expect(sent.headers['api-key']).toBe('request-key');
  });

  it('starts with no environment: health names AZURE_API_KEY, requests answer 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string; message?: string } }[] };
    expect(providers.data.find((provider) => provider.provider_id === 'azure')!.health.status).toBe('OK');
    const empty = providers.data.find((provider) => provider.provider_id === 'empty')!.health;
    expect(empty.status).toBe('Error');
    expect(empty.message).toMatch(/AZURE_API_KEY/);
    const failure = await clientFailure(client().chat.completions.create({ model: 'gpt-4o-deployment', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/AZURE_API_KEY/);
    const noBase = await clientFailure(client({ azure_api_key: 'k' }).chat.completions.create({ model: 'gpt-4o-deployment', messages: [{ role: 'user', content: 'hi' }] }));
    expect(noBase.status).toBe(400);
    expect(noBase.error.message).toMatch(/AZURE_API_BASE.*azure_api_base/);
  });

  it('adds /openai/v1 to a bare resource URL and keeps a given API root', () => {
    expect(azureApiRoot('https://my-resource.openai.azure.com')).toBe('https://my-resource.openai.azure.com/openai/v1');
    expect(azureApiRoot('https://my-resource.openai.azure.com/openai/v1/')).toBe('https://my-resource.openai.azure.com/openai/v1');
  });
});
