import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure } from './client-failure.js';
import { FakeOpenAIUpstream } from './fake-openai-upstream.js';
import { startTestServer, type TestServer } from './server-harness.js';

/** A hosted OpenAI-compatible provider type as Llama Stack's starter configures it. */
export interface HostedKeySettings {
  /** `remote::cerebras` */
  providerType: string;
  /** The provider id the starter gives it (`cerebras`). */
  providerId: string;
  /** Its sample config, as the starter has it (`api_key: ${env.X:=}`). */
  sampleConfig: Record<string, unknown>;
  /** The variable the key comes from (`CEREBRAS_API_KEY`). */
  keyVariable: string;
  /** The X-LlamaStack-Provider-Data field of a per-request key (`cerebras_api_key`). */
  providerDataField: string;
  /** A model id of the hosted service, registered to check the refusal of a request without a key. */
  hostedModel: string;
}

/** What `more` tests see: the server (the hosted provider and `local`, the same type on the fake upstream) and the upstream. */
export interface HostedKeyHarness {
  server(): TestServer;
  upstream(): FakeOpenAIUpstream;
}

/**
 * The settings every hosted key-bearing provider shares: with no environment it starts, its health
 * names the key's variable and provider-data field, a request fails with 400 naming both, and a
 * per-request key goes out as the bearer key. `more` adds the provider's own tests in the same describe.
 */
export function describeHostedKeySettings(settings: HostedKeySettings, more?: (harness: HostedKeyHarness) => void): void {
  const { providerType, providerId, keyVariable, providerDataField } = settings;
  describe(`${providerType} settings`, () => {
    let upstream: FakeOpenAIUpstream;
    let server: TestServer;

    beforeAll(async () => {
      upstream = await FakeOpenAIUpstream.start();
      server = await startTestServer({
        env: {},
        distribution: {
          providers: {
            inference: [
              { provider_id: providerId, provider_type: providerType, config: settings.sampleConfig },
              { provider_id: 'local', provider_type: providerType, config: { base_url: upstream.url, api_key: `\${env.${keyVariable}:=}` } },
            ],
          },
          registered_resources: {
            models: [
              { model_id: `${providerId}/${settings.hostedModel}`, provider_id: providerId, provider_model_id: settings.hostedModel },
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

    it(`starts without a key: its health names ${keyVariable}, and a request fails with 400 naming it`, async () => {
      const providers = (await (await fetch(`${server.url}/v1/providers`)).json()) as { data: { provider_id: string; health: { status: string; message?: string } }[] };
      const health = providers.data.find((provider) => provider.provider_id === providerId)!.health;
      expect(health).toMatchObject({ status: 'Error', message: expect.stringContaining(keyVariable) });
      expect(health.message).toContain(providerDataField);
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const failure = await clientFailure(client.chat.completions.create({ model: `${providerId}/${settings.hostedModel}`, messages: [{ role: 'user', content: 'hi' }] }));
      expect(failure.status).toBe(400);
      expect(failure.error.message).toContain(keyVariable);
      expect(failure.error.message).toContain(providerDataField);
    });

    it(`sends the ${providerDataField} of X-LlamaStack-Provider-Data as the bearer key`, async () => {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0, defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify({ [providerDataField]: 'key-of-the-request' }) } });
      await client.chat.completions.create({ model: 'local/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
      expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer key-of-the-request');
    });

    more?.({ server: () => server, upstream: () => upstream });
  });
}
