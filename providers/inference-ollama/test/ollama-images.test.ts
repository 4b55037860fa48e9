import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';

// Ollama cannot fetch image URLs: the provider downloads them and sends data URLs.
describe('remote::ollama images', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let images: ReturnType<typeof createServer>;
  let imageUrl: string;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
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
      distribution: { providers: { inference: [{ provider_id: 'ollama', provider_type: 'remote::ollama', config: { base_url: upstream.url } }] } },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    images?.close();
  });

  it('downloads image URLs into data URLs, and says which image it could not fetch', async () => {
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
});
