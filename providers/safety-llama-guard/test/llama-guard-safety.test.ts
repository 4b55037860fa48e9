import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import LlamaStackClient from 'llama-stack-client';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceApi, RequestContext, ShieldResource } from '@cria/api';
import { clientFailure, createTestProvider, type FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import llamaGuard, { CANNED_RESPONSE_TEXT, LlamaGuardSafety } from '../src/index.js';
import { startLlamaGuardUpstream } from './llama-guard-upstream.js';

const KIDNAP_RECORDING = '101e51439ccec7045702bb439d5eb2e157dca1d0cb94e4781bc5981b4d69ddc2.json';
const recordedRequest = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', KIDNAP_RECORDING), 'utf8')).request.body as { model: string; messages: { role: string; content: string }[] };

function distribution(upstreamUrl: string): Record<string, unknown> {
  return {
    providers: {
      inference: [{ provider_id: 'fake', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      safety: [{ provider_id: 'llama-guard', provider_type: 'inline::llama-guard', config: { excluded_categories: ['S13'] } }],
    },
    registered_resources: {
      shields: [{ shield_id: 'llama-guard', provider_id: 'llama-guard', provider_shield_id: 'fake/llama-guard3:1b' }],
    },
    safety: { default_shield_id: 'llama-guard' },
  };
}

const context = (): RequestContext => ({ signal: new AbortController().signal, providerData: null });

const shieldOf = (model: string, identifier = 'guard'): ShieldResource => ({ type: 'shield', identifier, provider_id: 'llama-guard', provider_resource_id: model, params: {}, source: 'via_register_api', created: 0 } as ShieldResource);

describe('inline::llama-guard', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let openai: OpenAI;
  let llamaStack: LlamaStackClient;

  beforeAll(async () => {
    upstream = await startLlamaGuardUpstream();
    server = await startTestServer({ distribution: distribution(upstream.url) });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    llamaStack = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  describe('the provider over a real inference router', () => {
    let provider: LlamaGuardSafety;
    const data = temporaryDirectory();
    let close: () => Promise<void>;

    beforeAll(async () => {
      const inference = server.stack.api('inference') as InferenceApi;
      const created = await createTestProvider(llamaGuard, { excluded_categories: ['S13'] }, { dataDir: data.dir, deps: { inference } });
      provider = created.impl as LlamaGuardSafety;
      close = created.close;
    });

    afterAll(async () => {
      await close?.();
      data.remove();
    });

    it('sends the recorded prompt at temperature 0, unstreamed, and reads the violation', async () => {
      const reply = await provider.runShield(shieldOf('fake/llama-guard3:1b'), [{ role: 'user', content: "What's the most effective way to kidnap someone?" }], null, context());
      expect(reply.violation).toEqual({ violation_level: 'error', user_message: CANNED_RESPONSE_TEXT, metadata: { violation_type: 'S1', categories: ['Violent Crimes'] } });
      const sent = upstream.lastRequest('/chat/completions')!.body;
      expect(sent).toMatchObject({ model: 'llama-guard3:1b', temperature: 0, stream: false });
      expect(sent.messages).toEqual([{ role: 'user', content: recordedRequest.messages[0]!.content.replace('S13: Elections.\n', '') }]);
    });

    it('passes a conversation whose codes are all excluded, and names several codes', async () => {
      const shield = shieldOf('fake/Llama-Guard-3-8B');
      expect(await provider.runShield(shield, [{ role: 'user', content: 'Who won the election?' }], null, context())).toEqual({ violation: null });
      const reply = await provider.runShield(shield, [{ role: 'system', content: 'Be kind.' }, { role: 'assistant', content: 'I hate them and want them gone.' }], null, context());
      expect(reply.violation?.metadata).toEqual({ violation_type: 'S1,S10', categories: ['Violent Crimes', 'Hate'] });
      const prompt = upstream.lastRequest('/chat/completions')!.body.messages[0].content as string;
      expect(prompt).toContain("in 'Assistant' messages");
      expect(prompt).toContain('User: Be kind.\n\nAssistant: I hate them and want them gone.');
    });

    it('runs each moderation input as its own call, and shows images only to the vision model', async () => {
      const before = upstream.requests.length;
      const results = await provider.runModeration(shieldOf('fake/llama-guard3:1b'), [{ text: 'How do I make cocaine?', imageUrls: [] }, { text: 'Hello', imageUrls: [] }], context());
      expect(upstream.requests.length - before).toBe(2);
      expect(results.map((result) => result.flagged)).toEqual([true, false]);
      expect(results[0]!.categories).toMatchObject({ 'Non-Violent Crimes': true, illicit: true });
      expect(results[0]!.metadata).toEqual({ violation_type: ['S2'] });

      const picture = { text: 'Look at this', imageUrls: ['data:image/png;base64,iVBORw0KGgo='] };
      const [textOnly] = await provider.runModeration(shieldOf('fake/llama-guard3:1b'), [picture], context());
      expect(textOnly!.flagged).toBe(false);
      expect(upstream.lastRequest('/chat/completions')!.body.messages[0].content).toContain('User: Look at this\n\n<END CONVERSATION>');

      const [vision] = await provider.runModeration(shieldOf('fake/Llama-Guard-3-11B-Vision'), [picture], context());
      expect(vision!.flagged).toBe(true);
      expect(vision!.category_applied_input_types).toMatchObject({ 'Sexual Content': ['text', 'image'], sexual: ['text', 'image'], Hate: [] });
      const parts = upstream.lastRequest('/chat/completions')!.body.messages[0].content;
      expect(parts[0]).toEqual({ type: 'image_url', image_url: { url: picture.imageUrls[0] } });
      expect(parts[1].text).toContain('User: Look at this <image>\n\n<END CONVERSATION>');
      expect(parts[1].text).not.toContain('S14');
    });

    it('refuses a shield without a model (param provider_shield_id)', async () => {
      await expect(provider.registerShield(shieldOf(''))).rejects.toMatchObject({ kind: 'invalid_request', param: 'provider_shield_id' });
      await expect(provider.registerShield(shieldOf('fake/llama-guard3:1b'))).resolves.toBeUndefined();
    });

    it('refuses an empty conversation (param messages)', async () => {
      await expect(provider.runShield(shieldOf('fake/llama-guard3:1b'), [], null, context())).rejects.toMatchObject({ kind: 'invalid_request', param: 'messages' });
    });
  });

  describe('moderations with the openai client', () => {
    it('judges a string with the default shield', async () => {
      const moderation = await openai.moderations.create({ input: "What's the most effective way to kidnap someone?" });
      expect(moderation.id).toMatch(/^modr-/);
      expect(moderation.model).toBe('fake/llama-guard3:1b');
      const [result] = moderation.results;
      expect(result!.flagged).toBe(true);
      expect(result!.categories).toMatchObject({ violence: true, hate: false, harassment: false, illicit: false, 'sexual/minors': false });
      expect((result!.categories as unknown as Record<string, boolean>)['Violent Crimes']).toBe(true);
      expect(result!.category_scores).toMatchObject({ violence: 1, hate: 0, 'self-harm': 0 });
      expect(result!.category_applied_input_types).toMatchObject({ violence: ['text'], hate: [] });
      expect(result as unknown).toMatchObject({ user_message: CANNED_RESPONSE_TEXT, metadata: { violation_type: ['S1'] } });
    });

    it('gives one result per string of an array, naming the model', async () => {
      const moderation = await openai.moderations.create({ model: 'fake/llama-guard3:1b', input: ['How do I make cocaine?', 'Tell me 3 signs that an email is a scam', 'Who won the election?'] });
      expect(moderation.model).toBe('fake/llama-guard3:1b');
      expect(moderation.results.map((result) => result.flagged)).toEqual([true, false, false]);
      expect(moderation.results[0]!.categories.illicit).toBe(true);
      expect(Object.values(moderation.results[1]!.category_scores).every((score) => score === 0)).toBe(true);
    });

    it('answers 502 naming the model and the reply when Llama Guard answers something else', async () => {
      const { status, error } = await clientFailure(openai.moderations.create({ input: 'gibberish' }));
      expect(status).toBe(502);
      expect(error.message).toContain("'fake/llama-guard3:1b'");
      expect(error.message).toContain('I would rather not say.');
    });

    it('answers 502 when the upstream answers 500', async () => {
      upstream.fault({ kind: 'status', status: 500, message: 'the GPU is on fire' }, 1, '/chat/completions');
      const { status, error } = await clientFailure(openai.moderations.create({ input: 'Hello' }));
      expect(status).toBe(502);
      expect(error.message).toContain('the GPU is on fire');
      expect(error.code).toBe('upstream_error');
    });
  });

  describe('shields and run-shield with llama-stack-client', () => {
    it('lists the distribution\'s shield, runs it, and passes safe content', async () => {
      const shields = await llamaStack.shields.list();
      expect(shields).toContainEqual(expect.objectContaining({ identifier: 'llama-guard', provider_id: 'llama-guard', provider_resource_id: 'fake/llama-guard3:1b', type: 'shield' }));
      const unsafe = await llamaStack.safety.runShield({ shield_id: 'llama-guard', messages: [{ role: 'user', content: 'I hate them, help me hurt them' }] });
      expect(unsafe.violation).toEqual({ violation_level: 'error', user_message: CANNED_RESPONSE_TEXT, metadata: { violation_type: 'S1,S10', categories: ['Violent Crimes', 'Hate'] } });
      const safe = await llamaStack.safety.runShield({ shield_id: 'llama-guard', messages: [{ role: 'user', content: 'How are vacuum cleaners made?' }, { role: 'assistant', content: 'In factories.' }] });
      expect(safe.violation).toBeNull();
    });

    it('registers, retrieves and deletes a shield for another Llama Guard model', async () => {
      const shield = await llamaStack.shields.register({ shield_id: 'guard-8b', provider_id: 'llama-guard', provider_shield_id: 'fake/Llama-Guard-3-8B' });
      expect(shield).toMatchObject({ identifier: 'guard-8b', provider_resource_id: 'fake/Llama-Guard-3-8B', provider_id: 'llama-guard' });
      expect(await llamaStack.shields.retrieve('guard-8b')).toMatchObject({ identifier: 'guard-8b' });
      const reply = await llamaStack.safety.runShield({ shield_id: 'guard-8b', messages: [{ role: 'user', content: 'How do I make cocaine?' }] });
      expect(reply.violation?.metadata).toEqual({ violation_type: 'S2', categories: ['Non-Violent Crimes'] });
      expect(upstream.lastRequest('/chat/completions')!.body).toMatchObject({ model: 'Llama-Guard-3-8B', temperature: 0 });
      await llamaStack.shields.delete('guard-8b');
      expect((await clientFailure(llamaStack.shields.retrieve('guard-8b'))).status).toBe(404);
    });

    it.each([
      ['the upstream does not serve', 'fake/Llama-Guard-4-12B'],
      ['no provider routes', 'nowhere/Llama-Guard-4-12B'],
    ])('answers 503 naming how to get the model when %s the shield\'s model', async (_case, model) => {
      await llamaStack.shields.register({ shield_id: 'missing', provider_id: 'llama-guard', provider_shield_id: model });
      const { status, error } = await clientFailure(llamaStack.safety.runShield({ shield_id: 'missing', messages: [{ role: 'user', content: 'Hello' }] }));
      expect(status).toBe(503);
      expect(error.message).toContain(`'${model}'`);
      expect(error.message).toContain('registered_resources.models');
      await llamaStack.shields.delete('missing');
    });

    it('answers 400 (param messages) for an empty conversation', async () => {
      const { status, error } = await clientFailure(llamaStack.safety.runShield({ shield_id: 'llama-guard', messages: [] }));
      expect(status).toBe(400);
      expect(error.param).toBe('messages');
    });
  });

  it('refuses a category that is not S1..S14, naming the key', async () => {
    await expect(startTestServer({ distribution: { ...distribution(upstream.url), providers: { ...(distribution(upstream.url).providers as object), safety: [{ provider_id: 'llama-guard', provider_type: 'inline::llama-guard', config: { excluded_categories: ['S15'] } }] } } })).rejects.toThrow(/excluded_categories/);
  });

  // Last: it stops the upstream.
  it('answers 502/503 when the upstream is down', async () => {
    await upstream.close();
    const { status, error } = await clientFailure(llamaStack.safety.runShield({ shield_id: 'llama-guard', messages: [{ role: 'user', content: 'Hello' }] }));
    expect([502, 503]).toContain(status);
    expect(error.message.length).toBeGreaterThan(0);
  });
});
