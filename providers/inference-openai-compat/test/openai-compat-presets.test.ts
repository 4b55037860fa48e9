import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';

// What differs between presets: per-request URLs and keys, forwarded headers, image download,
// config validation.
describe('OpenAI-compatible presets', () => {
  let upstream: FakeOpenAIUpstream;
  let other: FakeOpenAIUpstream;
  let server: TestServer;
  let images: ReturnType<typeof createServer>;
  let imageUrl: string;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    other = await FakeOpenAIUpstream.start();
    images = createServer((req, res) => {
      if (req.url === '/pixel.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [
            { provider_id: 'pass', provider_type: 'remote::passthrough', config: { base_url: upstream.url, forward_headers: { tenant: 'X-Tenant-Id', host_override: 'Host' } } },
            { provider_id: 'ollama', provider_type: 'remote::ollama', config: { base_url: upstream.url } },
          ],
        },
        registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'pass' }] },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await other?.close();
    images?.close();
  });

  it('passthrough: takes the URL and key from the provider data, and forwards only mapped headers', async () => {
    const client = new OpenAI({
      baseURL: server.baseURL,
      apiKey: 'none',
      maxRetries: 0,
      defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ passthrough_url: other.url, passthrough_api_key: 'k-1', tenant: 'acme', host_override: 'evil', unmapped: 'x' }) },
    });
    await client.chat.completions.create({ model: 'pass/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    const sent = other.lastRequest('/chat/completions')!;
    expect(sent.headers.authorization).toBe('Bearer k-1');
    expect(sent.headers['x-tenant-id']).toBe('acme');
    expect(sent.headers.host).not.toBe('evil');
    expect(sent.headers.unmapped).toBeUndefined();
    expect(upstream.lastRequest('/chat/completions')).toBeUndefined();
  });

  it('ollama: downloads image URLs into data URLs, and says which image it could not fetch', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    await client.chat.completions.create({
      model: 'ollama/fake-llm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: `${imageUrl}/pixel.png` } }] }],
    });
    const part = upstream.lastRequest('/chat/completions')!.body.messages[0].content[1];
    expect(part.image_url.url).toBe(`data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`);
    const failure = await client.chat.completions
      .create({ model: 'ollama/fake-llm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `${imageUrl}/missing.png` } }] }] })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 400 });
    expect((failure as Error).message).toContain('missing.png');
  });

  it('lists only allowed_models and sends network.headers with every request', async () => {
    const restricted = await startTestServer({
      distribution: {
        providers: {
          inference: [{ provider_id: 'r', provider_type: 'remote::openai', config: { base_url: other.url, api_key: 'k', allowed_models: ['fake-llm-2'], network: { headers: { 'X-Team': 'search' } } } }],
        },
      },
    });
    try {
      const client = new OpenAI({ baseURL: restricted.baseURL, apiKey: 'none', maxRetries: 0 });
      expect((await client.models.list()).data.map((model) => model.id)).toEqual(['r/fake-llm-2']);
      await client.chat.completions.create({ model: 'r/fake-llm-2', messages: [{ role: 'user', content: 'hi' }] });
      expect(other.lastRequest('/chat/completions')!.headers['x-team']).toBe('search');
      expect(other.lastRequest('/models')!.headers['x-team']).toBe('search');
    } finally {
      await restricted.close();
    }
  });

  it('refuses a config with an unknown key, naming its YAML path', async () => {
    await expect(
      startTestServer({ distribution: { providers: { inference: [{ provider_id: 'o', provider_type: 'remote::openai', config: { api_key: 'k', base_ulr: 'http://x' } }] } } }),
    ).rejects.toThrow(/providers\.inference\[0\]\.config\.base_ulr: Unrecognized/);
    await expect(startTestServer({ distribution: { providers: { inference: [{ provider_id: 'v', provider_type: 'remote::vllm', config: {} }] } } })).rejects.toThrow(/needs base_url/);
    await expect(startTestServer({ distribution: { providers: { inference: [{ provider_id: 'v', provider_type: 'remote::nope', config: {} }] } } })).rejects.toThrow(/unknown provider type 'remote::nope'.*remote::vllm/);
  });
});
