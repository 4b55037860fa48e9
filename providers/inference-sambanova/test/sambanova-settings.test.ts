import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { sambaNovaPreset } from '../src/index.js';

interface ProviderHealth {
  provider_id: string;
  health: { status: string; message?: string };
}

// remote::sambanova as Llama Stack's starter configures it: it starts with no SAMBANOVA_API_KEY,
// says what is missing, and takes a key per request; SambaNova fetches no image URL, so images
// go to it as data URLs.
describe('remote::sambanova settings', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      env: {},
      distribution: {
        providers: {
          inference: [
            { provider_id: 'sambanova', provider_type: 'remote::sambanova', config: sambaNovaPreset.sampleConfig },
            { provider_id: 'local', provider_type: 'remote::sambanova', config: { base_url: upstream.url, api_key: '${env.SAMBANOVA_API_KEY:=}' } },
          ],
        },
        registered_resources: {
          models: [
            { model_id: 'sambanova/Meta-Llama-3.1-8B-Instruct', provider_id: 'sambanova', provider_model_id: 'Meta-Llama-3.1-8B-Instruct' },
            { model_id: 'local/fake-llm', provider_id: 'local', provider_model_id: 'fake-llm' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('starts without a key: its health names SAMBANOVA_API_KEY, and a request fails with 400 naming it', async () => {
    const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: ProviderHealth[] };
    const health = providers.data.find((provider) => provider.provider_id === 'sambanova')!.health;
    expect(health).toMatchObject({ status: 'Error', message: expect.stringContaining('SAMBANOVA_API_KEY') });
    expect(health.message).toContain('sambanova_api_key');
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const failure = await clientFailure(client.chat.completions.create({ model: 'sambanova/Meta-Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.status).toBe(400);
    expect(failure.error.message).toMatch(/(?=.*sambanova_api_key)(?=.*SAMBANOVA_API_KEY)/s);
  });

  it('sends the sambanova_api_key of X-LlamaStack-Provider-Data as the bearer key', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ sambanova_api_key: 'sn-request' }) } });
    await client.chat.completions.create({ model: 'local/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer sn-request');
  });

  it('downloads an image URL and sends it as a data URL', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
    const images: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    try {
      const imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ sambanova_api_key: 'sn-request' }) } });
      await client.chat.completions.create({
        model: 'local/fake-llm',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: imageUrl } }] }],
      });
      const sent = upstream.lastRequest('/chat/completions')!.body.messages[0].content[1];
      expect(sent.image_url.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
    } finally {
      images.closeAllConnections();
      await new Promise<void>((resolve) => images.close(() => resolve()));
    }
  });
});
