import { generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, describeInferenceContract, FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import { vertexAIApiRoot } from '../src/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Google's OAuth token endpoint as it answers a service account's JWT grant; each token lives `lifetimeSeconds`. */
async function startTokenEndpoint(lifetimeSeconds: number): Promise<{ url: string; grants: Record<string, string>[]; close(): Promise<void> }> {
  const grants: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      grants.push(form);
      const [header, claims, signature] = (form.assertion ?? '').split('.');
      const valid = form.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature ?? '', 'base64url'));
      res.setHeader('content-type', 'application/json');
      if (!valid) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }));
        return;
      }
      res.end(JSON.stringify({ access_token: `ya29.token-${grants.length}`, expires_in: lifetimeSeconds, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, grants, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function writeServiceAccountKey(directory: string, tokenUri: string): string {
  const path = join(directory, 'service-account.json');
  writeFileSync(path, JSON.stringify({
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: 'cria-test@test-project.iam.gserviceaccount.com',
    client_id: '1234567890',
    token_uri: tokenUri,
  }));
  return path;
}

let tokens: Awaited<ReturnType<typeof startTokenEndpoint>>;
const previousCredentials = process.env.GOOGLE_APPLICATION_CREDENTIALS;

beforeAll(async () => {
  // A lifetime under the five-minute refresh margin: every request renews its token.
  tokens = await startTokenEndpoint(120);
  process.env.GOOGLE_APPLICATION_CREDENTIALS = writeServiceAccountKey(temporaryDirectory('vertex-adc-').dir, tokens.url);
});
afterAll(async () => {
  if (previousCredentials === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  else process.env.GOOGLE_APPLICATION_CREDENTIALS = previousCredentials;
  await tokens?.close();
});

// The contract against the fake upstream standing in for Vertex's OpenAI-compatible endpoint,
// authenticated with application-default credentials from a service-account key file.
describeInferenceContract('remote::vertexai', async () => {
  const upstream = await FakeOpenAIUpstream.start();
  const server = await startTestServer({
    distribution: {
      providers: { inference: [{ provider_id: 'p', provider_type: 'remote::vertexai', config: { project: 'test-project', location: 'us-central1', base_url: upstream.url } }] },
      registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'p' }, { model_id: 'fake-embedding', provider_id: 'p', model_type: 'embedding', metadata: { embedding_dimension: 16 } }] },
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

describe('remote::vertexai', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [
            { provider_id: 'vertex', provider_type: 'remote::vertexai', config: { project: 'test-project', location: 'global', base_url: upstream.url } },
            { provider_id: 'token', provider_type: 'remote::vertexai', config: { project: 'test-project', base_url: upstream.url, access_token: 'static-token' } },
            // The starter's entry with no VERTEX_AI_PROJECT.
            { provider_id: 'empty', provider_type: 'remote::vertexai', config: { project: '', location: 'global' } },
          ],
        },
        registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'vertex' }, { model_id: 'token-llm', provider_id: 'token', provider_model_id: 'fake-llm' }, { model_id: 'google/gemini-2.5-flash', provider_id: 'empty' }] },
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

  it('trades a signed JWT at the key file\'s token_uri for the bearer token, renewed before it expires', async () => {
    const before = tokens.grants.length;
    await client().chat.completions.create({ model: 'vertex/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const first = upstream.lastRequest('/chat/completions')!.headers.authorization;
    expect(first).toMatch(/^Bearer ya29\.token-\d+$/);
    await client().chat.completions.create({ model: 'vertex/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).not.toBe(first);
    expect(tokens.grants.length).toBeGreaterThanOrEqual(before + 2);
    const claims = JSON.parse(Buffer.from(tokens.grants.at(-1)!.assertion!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: 'cria-test@test-project.iam.gserviceaccount.com', aud: tokens.url, scope: 'https://www.googleapis.com/auth/cloud-platform' });
  });

  it('uses access_token or the request\'s vertex_access_token instead of the credentials', async () => {
    await client().chat.completions.create({ model: 'token-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer static-token');
    await client({ vertex_access_token: 'request-token' }).chat.completions.create({ model: 'vertex/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer request-token');
  });

  it('starts with no project: health and requests name VERTEX_AI_PROJECT', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string; message?: string } }[] };
    expect(providers.data.find((provider) => provider.provider_id === 'vertex')!.health.status).toBe('OK');
    expect(providers.data.find((provider) => provider.provider_id === 'empty')!.health).toMatchObject({ status: 'Error', message: expect.stringMatching(/VERTEX_AI_PROJECT/) });
    const failure = await clientFailure(client().chat.completions.create({ model: 'google/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/VERTEX_AI_PROJECT/);
  });

  it('reports missing credentials as GOOGLE_APPLICATION_CREDENTIALS / gcloud auth application-default login', async () => {
    const saved = { credentials: process.env.GOOGLE_APPLICATION_CREDENTIALS, config: process.env.CLOUDSDK_CONFIG };
    process.env.GOOGLE_APPLICATION_CREDENTIALS = '';
    process.env.CLOUDSDK_CONFIG = temporaryDirectory('vertex-no-gcloud-').dir;
    const bare = await startTestServer({ distribution: { providers: { inference: [{ provider_id: 'v', provider_type: 'remote::vertexai', config: { project: 'p', base_url: upstream.url } }] }, registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'v' }] } } });
    try {
      const providers = (await (await fetch(`${bare.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string; message?: string } }[] };
      expect(providers.data.find((provider) => provider.provider_id === 'v')!.health).toMatchObject({ status: 'Error', message: expect.stringMatching(/GOOGLE_APPLICATION_CREDENTIALS.*gcloud auth application-default login/) });
      const failure = await clientFailure(new OpenAI({ baseURL: bare.baseURL, apiKey: 'none', maxRetries: 0 }).chat.completions.create({ model: 'v/fake-llm', messages: [{ role: 'user', content: 'hi' }] }));
      expect(failure.status).toBe(401);
      expect(failure.error.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    } finally {
      await bare.close();
      process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.credentials ?? '';
      if (saved.config === undefined) delete process.env.CLOUDSDK_CONFIG;
      else process.env.CLOUDSDK_CONFIG = saved.config;
    }
  });

  it('derives the endpoint from project and location', () => {
    expect(vertexAIApiRoot('proj', 'global')).toBe('https://aiplatform.googleapis.com/v1/projects/proj/locations/global/endpoints/openapi');
    expect(vertexAIApiRoot('proj', 'us-central1')).toBe('https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/endpoints/openapi');
  });
});
