import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { bedrockApiRoot } from '../src/index.js';

// Bedrock's bearer key (config or aws_bearer_token_bedrock), its regional endpoint, what it does
// not serve, and the starter's entry with no environment: it starts and names the missing key.
describe('remote::bedrock', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [
            { provider_id: 'bedrock', provider_type: 'remote::bedrock', config: { base_url: upstream.url, api_key: 'config-key' } },
            { provider_id: 'empty', provider_type: 'remote::bedrock', config: { api_key: '', region_name: 'us-east-2' } },
          ],
        },
        registered_resources: {
          models: [
            { model_id: 'fake-llm', provider_id: 'bedrock' },
            { model_id: 'meta.llama3-1-8b-instruct-v1:0', provider_id: 'empty' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  function client(providerData?: Record<string, string>): OpenAI {
    return new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, ...(providerData ? { defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify(providerData) } } : {}) });
  }

  it('sends the configured key, or the request\'s aws_bearer_token_bedrock, as bearer token', async () => {
    await client().chat.completions.create({ model: 'bedrock/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer config-key');
    await client({ aws_bearer_token_bedrock: 'request-key' }).chat.completions.create({ model: 'bedrock/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer request-key');
    expect(upstream.lastRequest('/models')).toBeUndefined();
  });

  it('answers /completions and /embeddings 400 without calling Bedrock', async () => {
    const failure = await clientFailure(client().completions.create({ model: 'bedrock/fake-llm', prompt: 'hi' }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/does not serve \/v1\/completions/);
    expect(upstream.lastRequest('/completions')).toBeUndefined();
  });

  it('starts with no environment: health names AWS_BEARER_TOKEN_BEDROCK, requests answer 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string; message?: string } }[] };
    expect(providers.data.find((provider) => provider.provider_id === 'bedrock')!.health.status).toBe('OK');
    const empty = providers.data.find((provider) => provider.provider_id === 'empty')!.health;
    expect(empty).toMatchObject({ status: 'Error', message: expect.stringMatching(/AWS_BEARER_TOKEN_BEDROCK.*aws_bearer_token_bedrock/) });
    const failure = await clientFailure(client().chat.completions.create({ model: 'empty/meta.llama3-1-8b-instruct-v1:0', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/AWS_BEARER_TOKEN_BEDROCK/);
  });

  it('derives the endpoint from region_name', () => {
    expect(bedrockApiRoot('us-west-2')).toBe('https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1');
  });
});
