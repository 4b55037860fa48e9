import LlamaStackClient from 'llama-stack-client';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cria/testing';
import { ModerationStandIn } from './passthrough-safety-stand-in.js';

const FENCE = '```';
const INSECURE = `${FENCE}python\nimport pickle\nobj = pickle.loads(request.data)\n${FENCE}`;

/**
 * Two real Cria servers: the downstream runs inline::code-scanner; the front runs remote::passthrough
 * twice, in run-shield mode towards the downstream and in moderations mode towards a stand-in of
 * OpenAI's moderations. Clients talk to the front.
 */
describe('remote::passthrough safety through the safety routes', () => {
  let downstream: TestServer;
  let front: TestServer;
  let standIn: ModerationStandIn;
  let llamaStack: LlamaStackClient;
  let openai: OpenAI;

  beforeAll(async () => {
    standIn = await ModerationStandIn.start();
    downstream = await startTestServer({
      distribution: {
        providers: { safety: [{ provider_id: 'code-scanner', provider_type: 'inline::code-scanner', config: {} }] },
        registered_resources: { shields: [{ shield_id: 'code-scanner', provider_id: 'code-scanner', provider_shield_id: 'code-scanner' }] },
      },
    });
    front = await startTestServer({
      distribution: {
        providers: {
          safety: [
            { provider_id: 'remote-shields', provider_type: 'remote::passthrough', config: { base_url: `${downstream.url}/v1`, mode: 'run-shield', timeout_seconds: 5 } },
            { provider_id: 'moderation', provider_type: 'remote::passthrough', config: { base_url: standIn.url, forward_headers: { tenant: 'X-Tenant-Id' }, timeout_seconds: 5 } },
          ],
        },
        registered_resources: {
          shields: [
            { shield_id: 'code', provider_id: 'remote-shields', provider_shield_id: 'code-scanner' },
            { shield_id: 'omni', provider_id: 'moderation', provider_shield_id: 'omni-moderation-latest' },
          ],
        },
        safety: { default_shield_id: 'omni' },
      },
    });
    const providerData = { 'X-LlamaStack-Provider-Data': JSON.stringify({ passthrough_api_key: 'per-request-key', tenant: 'acme' }) };
    llamaStack = new LlamaStackClient({ baseURL: front.url, maxRetries: 0, defaultHeaders: providerData });
    openai = new OpenAI({ baseURL: front.baseURL, apiKey: 'unused', maxRetries: 0, defaultHeaders: providerData });
  });
  afterAll(async () => {
    await front?.close();
    await downstream?.close();
    await standIn?.close();
  });
  beforeEach(() => {
    standIn.requests.length = 0;
    standIn.behaviour = { kind: 'openai' };
  });

  it('run-shield mode: the downstream Cria server\'s code-scanner violation comes back as it gave it', async () => {
    expect((await llamaStack.shields.list()).map((shield) => shield.identifier).sort()).toEqual(['code', 'omni']);
    const blocked = await llamaStack.safety.runShield({ shield_id: 'code', messages: [{ role: 'user', content: 'Load it.' }, { role: 'assistant', content: INSECURE }] });
    expect(blocked.violation).toEqual({
      violation_level: 'error',
      user_message: 'Sorry, I found security concerns in the code.',
      metadata: { violation_type: 'python.pickle-load', categories: ['python.pickle-load'], findings: [{ rule_id: 'python.pickle-load', cwe: 'CWE-502', severity: 'high', line: 3, message_index: 1 }] },
    });
    expect((await llamaStack.safety.runShield({ shield_id: 'code', messages: [{ role: 'user', content: 'Hello' }] })).violation).toBeNull();
  });

  it('run-shield mode: a shield the downstream lacks is a 400 naming its 404', async () => {
    await llamaStack.shields.register({ shield_id: 'missing', provider_id: 'remote-shields', provider_shield_id: 'no-such-shield' });
    const error = await llamaStack.safety.runShield({ shield_id: 'missing', messages: [{ role: 'user', content: 'Hello' }] }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(LlamaStackClient.APIError);
    expect((error as InstanceType<typeof LlamaStackClient.APIError>).status).toBe(400);
    expect(String((error as Error).message)).toMatch(/rejected the request \(HTTP 404\): Shield 'no-such-shield' not found/);
  });

  it('run-shield mode: moderations go to the downstream\'s /moderations', async () => {
    const moderation = await openai.moderations.create({ model: 'code-scanner', input: [INSECURE, 'Nothing here.'] });
    expect(moderation.model).toBe('code-scanner');
    expect(moderation.results[0]).toMatchObject({ flagged: true, categories: { 'python.pickle-load': true, violence: false }, category_scores: { 'python.pickle-load': 1 } });
    expect((moderation.results[0] as unknown as { metadata: unknown }).metadata).toEqual({ violation_type: 'python.pickle-load' });
    expect(moderation.results[1]).toMatchObject({ flagged: false });
  });

  it('moderations mode: openai moderations.create and llama-stack-client runShield reach the service with the request\'s key and headers', async () => {
    const moderation = await openai.moderations.create({ input: ['I will kill it', 'a kind word'] });
    expect(moderation.model).toBe('omni-moderation-latest');
    expect(moderation.results.map((result) => result.flagged)).toEqual([true, false]);
    expect(moderation.results[0]!.categories.violence).toBe(true);
    expect(moderation.results[0]!.category_scores.violence).toBe(0.91);
    const shieldReply = await llamaStack.safety.runShield({ shield_id: 'omni', messages: [{ role: 'user', content: 'kill' }] });
    expect(shieldReply.violation).toEqual({ violation_level: 'error', user_message: 'Content was flagged by the safety service.', metadata: { violation_type: 'harassment/threatening', categories: ['harassment/threatening', 'violence'] } });
    expect(standIn.requests.map((request) => request.body)).toEqual([
      { input: ['I will kill it', 'a kind word'], model: 'omni-moderation-latest' },
      { input: 'kill', model: 'omni-moderation-latest' },
    ]);
    for (const request of standIn.requests) {
      expect(request.headers.authorization).toBe('Bearer per-request-key');
      expect(request.headers['x-tenant-id']).toBe('acme');
    }
  });

  it('moderations mode: a failing service is a 502 through the openai client', async () => {
    standIn.behaviour = { kind: 'status', status: 503, body: { error: { message: 'overloaded' } } };
    const error = await openai.moderations.create({ model: 'omni-moderation-latest', input: 'hello' }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(String((error as Error).message)).toMatch(/overloaded/);
  });
});
