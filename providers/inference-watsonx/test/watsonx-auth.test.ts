import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, describeInferenceContract, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';

/** IBM Cloud IAM's /identity/token as documented: an apikey grant answered with an access token and its `expiration` (epoch seconds). */
async function startIam(): Promise<{ url: string; keys: string[]; close(): Promise<void> }> {
  const keys: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      res.setHeader('content-type', 'application/json');
      if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || !form.get('apikey')?.startsWith('ibm-')) {
        res.statusCode = 400;
        res.end(JSON.stringify({ errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' }));
        return;
      }
      keys.push(form.get('apikey')!);
      const now = Math.floor(Date.now() / 1000);
      res.end(JSON.stringify({ access_token: `iam-${form.get('apikey')}`, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: 3600, expiration: now + 3600, scope: 'ibm openid' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/identity/token`, keys, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let iam: Awaited<ReturnType<typeof startIam>>;
beforeAll(async () => {
  iam = await startIam();
});
afterAll(async () => {
  await iam?.close();
});

/** The fake upstream's origin: watsonx's API root is `<base_url>/ml/v1`, where the fake serves. */
function serviceUrl(upstream: FakeOpenAIUpstream): string {
  return new URL(upstream.url).origin;
}

describeInferenceContract('remote::watsonx', async () => {
  const upstream = await FakeOpenAIUpstream.start({ apiKey: 'iam-ibm-key', basePath: '/ml/v1' });
  const server = await startTestServer({
    distribution: {
      providers: { inference: [{ provider_id: 'p', provider_type: 'remote::watsonx', config: { base_url: serviceUrl(upstream), api_key: 'ibm-key', project_id: 'proj-1', iam_url: iam.url } }] },
      registered_resources: { models: [{ model_id: 'fake-embedding', provider_id: 'p', model_type: 'embedding', metadata: { embedding_dimension: 16 } }] },
    },
  });
  return {
    baseURL: server.baseURL,
    chatModel: 'p/fake-llm',
    embeddingModel: 'p/fake-embedding',
    supports: { completions: false },
    close: async () => {
      await server.close();
      await upstream.close();
    },
  };
});

describe('remote::watsonx', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ basePath: '/ml/v1' });
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [
            { provider_id: 'watsonx', provider_type: 'remote::watsonx', config: { base_url: serviceUrl(upstream), api_key: 'ibm-key', project_id: 'proj-1', iam_url: iam.url } },
            { provider_id: 'empty', provider_type: 'remote::watsonx', config: { base_url: serviceUrl(upstream), api_key: '', project_id: '', iam_url: iam.url } },
          ],
        },
        registered_resources: { models: [{ model_id: 'ibm/granite-3-8b-instruct', provider_id: 'empty', provider_model_id: 'fake-llm' }] },
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

  it('exchanges the key at IAM once, and calls /ml/v1 with the IAM token, version and project_id', async () => {
    await client().chat.completions.create({ model: 'watsonx/fake-llm', messages: [{ role: 'user', content: 'hi' }], parallel_tool_calls: false, tools: [{ type: 'function', function: { name: 'noop', parameters: { type: 'object' } } }] });
    const exchanged = iam.keys.length;
    await client().chat.completions.create({ model: 'watsonx/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const sent = upstream.requests.filter((request) => request.path === '/chat/completions').at(-2)!;
    expect(sent.url).toBe('/ml/v1/chat/completions?version=2023-10-25');
    expect(sent.headers.authorization).toBe('Bearer iam-ibm-key');
    expect(sent.body).toMatchObject({ model: 'fake-llm', project_id: 'proj-1' });
    expect(sent.body.parallel_tool_calls).toBeUndefined();
    expect(iam.keys.length).toBe(exchanged);
  });

  it('exchanges a request\'s watsonx_api_key for its own token, and names a refused key', async () => {
    await client({ watsonx_api_key: 'ibm-other' }).chat.completions.create({ model: 'watsonx/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.requests.filter((request) => request.path === '/chat/completions').at(-1)!.headers.authorization).toBe('Bearer iam-ibm-other');
    const refused = await clientFailure(client({ watsonx_api_key: 'wrong' }).chat.completions.create({ model: 'watsonx/fake-llm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(refused.status).toBe(401);
    expect(refused.error.message).toMatch(/Provided API key could not be found/);
  });

  it('starts with no environment: health names WATSONX_API_KEY, requests answer 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string; message?: string } }[] };
    expect(providers.data.find((provider) => provider.provider_id === 'watsonx')!.health.status).toBe('OK');
    expect(providers.data.find((provider) => provider.provider_id === 'empty')!.health).toMatchObject({ status: 'Error', message: expect.stringMatching(/WATSONX_API_KEY/) });
    const failure = await clientFailure(client().chat.completions.create({ model: 'ibm/granite-3-8b-instruct', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/WATSONX_API_KEY/);
  });
});
