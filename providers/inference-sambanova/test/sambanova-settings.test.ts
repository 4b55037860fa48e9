import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { expect, it } from 'vitest';
import { describeHostedKeySettings } from '@cria/testing';
import { sambaNovaPreset } from '../src/index.js';

// remote::sambanova as Llama Stack's starter configures it: it starts with no SAMBANOVA_API_KEY,
// says what is missing, and takes a key per request; SambaNova fetches no image URL, so images
// go to it as data URLs.
describeHostedKeySettings(
  { providerType: 'remote::sambanova', providerId: 'sambanova', sampleConfig: sambaNovaPreset.sampleConfig, keyVariable: 'SAMBANOVA_API_KEY', providerDataField: 'sambanova_api_key', hostedModel: 'Meta-Llama-3.1-8B-Instruct' },
  ({ server, upstream }) => {
    it('downloads an image URL and sends it as a data URL', async () => {
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64');
      const images: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
      await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
      try {
        const imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
        const client = new OpenAI({ baseURL: server().baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ sambanova_api_key: 'sn-request' }) } });
        await client.chat.completions.create({
          model: 'local/fake-llm',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: imageUrl } }] }],
        });
        const sent = upstream().lastRequest('/chat/completions')!.body.messages[0].content[1];
        expect(sent.image_url.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
      } finally {
        images.closeAllConnections();
        await new Promise<void>((resolve) => images.close(() => resolve()));
      }
    });
  },
);
