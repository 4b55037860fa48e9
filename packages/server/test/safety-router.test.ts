import LlamaStackClient from 'llama-stack-client';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineProvider, InvalidRequestError, type ModerationResult, type SafetyProvider, type ShieldResource } from '@cria/api';
import { clientFailure, startTestServer, testCatalog, type TestServer } from '@cria/testing';

/**
 * A safety provider for the router's rules: it flags messages containing its shield's `word`
 * param, at the level its `level` param names; `slow` shields never answer and `broken` ones
 * fail, so timeouts and fail-open can be checked. The real providers have their own suites.
 */
const keywordProvider = defineProvider<'safety', Record<string, unknown>>({
  api: 'safety',
  providerType: 'inline::keyword-test',
  description: 'Flags messages containing a word (tests of the safety router).',
  configSchema: { type: 'object', additionalProperties: false },
  create(): SafetyProvider {
    const flagged = (shield: ShieldResource, text: string) => text.includes(String(shield.params?.word ?? 'FORBIDDEN'));
    const behave = async (shield: ShieldResource, signal: AbortSignal) => {
      if (shield.provider_resource_id === 'slow') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      if (shield.provider_resource_id === 'broken') throw new Error('the classifier crashed');
    };
    return {
      async registerShield(shield) {
        if (shield.provider_resource_id === 'unknown-model') throw new InvalidRequestError('This provider cannot run unknown-model.', { param: 'provider_shield_id' });
      },
      async runShield(shield, messages, _params, context) {
        await behave(shield, context.signal);
        const last = messages.at(-1);
        const text = typeof last?.content === 'string' ? last.content : '';
        if (!flagged(shield, text)) return { violation: null };
        return { violation: { violation_level: (shield.params?.level as 'error' | 'warn') ?? 'error', user_message: 'Not allowed.', metadata: { violation_type: 'K1', categories: ['Keyword'] } } };
      },
      async runModeration(shield, inputs, context) {
        await behave(shield, context.signal);
        return inputs.map((input): ModerationResult => {
          const hit = flagged(shield, input.text);
          return { flagged: hit, categories: { keyword: hit }, category_scores: { keyword: hit ? 1 : 0 }, category_applied_input_types: { keyword: hit ? (input.imageUrls.length ? ['text', 'image'] : ['text']) : [] } };
        });
      },
    };
  },
});

function catalog() {
  const result = testCatalog();
  result.addProviderSpec(keywordProvider, 'safety-router.test');
  return result;
}

describe('safety API: shields, run-shield and moderations', () => {
  let server: TestServer;
  let llamaStack: LlamaStackClient;
  let openai: OpenAI;

  beforeAll(async () => {
    server = await startTestServer({
      catalog: catalog(),
      distribution: {
        providers: { safety: [{ provider_id: 'keyword', provider_type: 'inline::keyword-test' }] },
        registered_resources: {
          shields: [
            { shield_id: 'words', provider_id: 'keyword', provider_shield_id: 'keyword-model' },
            { shield_id: 'skipped', provider_id: '', provider_shield_id: '' },
            { shield_id: 'slow-shield', provider_id: 'keyword', provider_shield_id: 'slow' },
          ],
        },
        safety: { default_shield_id: 'words', shield_timeout_seconds: 0.3 },
      },
    });
    llamaStack = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists the distribution\'s shields, skipping one whose provider_id is empty', async () => {
    const shields = await llamaStack.shields.list();
    expect(shields.map((shield) => shield.identifier).sort()).toEqual(['slow-shield', 'words']);
    const words = await llamaStack.shields.retrieve('words');
    expect(words).toMatchObject({ identifier: 'words', provider_id: 'keyword', provider_resource_id: 'keyword-model', type: 'shield' });
  });

  it('registers, retrieves and deletes a shield; the provider checks it first', async () => {
    const shield = await llamaStack.shields.register({ shield_id: 'meta-llama/Guard', provider_shield_id: 'guard-model', params: { word: 'banana' } });
    expect(shield).toMatchObject({ identifier: 'meta-llama/Guard', provider_id: 'keyword', provider_resource_id: 'guard-model', params: { word: 'banana' } });
    expect((await llamaStack.shields.retrieve('meta-llama/Guard')).provider_resource_id).toBe('guard-model');
    const flagged = await llamaStack.safety.runShield({ shield_id: 'meta-llama/Guard', messages: [{ role: 'user', content: 'a banana' }] });
    expect(flagged.violation).toMatchObject({ violation_level: 'error', metadata: { violation_type: 'K1' } });
    await llamaStack.shields.delete('meta-llama/Guard');
    const missing = await clientFailure(llamaStack.shields.retrieve('meta-llama/Guard'));
    expect(missing.status).toBe(404);
    expect(missing.error).toMatchObject({ code: 'shield_not_found' });

    const refused = await clientFailure(llamaStack.shields.register({ shield_id: 'bad', provider_shield_id: 'unknown-model' }));
    expect(refused.status).toBe(400);
    expect(refused.error.param).toBe('provider_shield_id');
    const noProvider = await clientFailure(llamaStack.shields.register({ shield_id: 'other', provider_id: 'nobody' }));
    expect(noProvider.status).toBe(400);
    expect(noProvider.error.param).toBe('provider_id');
  });

  it('registering the same shield id with other fields is a conflict', async () => {
    await llamaStack.shields.register({ shield_id: 'twice', provider_shield_id: 'a' });
    await llamaStack.shields.register({ shield_id: 'twice', provider_shield_id: 'a' });
    const conflict = await clientFailure(llamaStack.shields.register({ shield_id: 'twice', provider_shield_id: 'b' }));
    expect(conflict.status).toBe(409);
    await llamaStack.shields.delete('twice');
  });

  it('runs a shield: null for safe content, the violation for flagged content', async () => {
    const safe = await llamaStack.safety.runShield({ shield_id: 'words', messages: [{ role: 'user', content: 'hello' }] });
    expect(safe.violation ?? null).toBeNull();
    const flagged = await llamaStack.safety.runShield({ shield_id: 'words', messages: [{ role: 'user', content: 'say FORBIDDEN' }] });
    expect(flagged.violation).toEqual({ violation_level: 'error', user_message: 'Not allowed.', metadata: { violation_type: 'K1', categories: ['Keyword'] } });
  });

  it('answers 404 naming shield_id for an unknown shield and 400 for bad messages', async () => {
    const unknown = await clientFailure(llamaStack.safety.runShield({ shield_id: 'nope', messages: [{ role: 'user', content: 'x' }] }));
    expect(unknown.status).toBe(404);
    expect(unknown.error.param).toBe('shield_id');
    const response = await fetch(`${server.url}/v1/safety/run-shield`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shield_id: 'words', messages: [{ role: 'wizard', content: 'x' }] }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toMatch(/^messages\[0\]/);
  });

  it('moderates with the default shield: one result per string, ids modr-', async () => {
    const moderation = await openai.moderations.create({ input: ['hello', 'FORBIDDEN words'] });
    expect(moderation.id).toMatch(/^modr-/);
    expect(moderation.model).toBe('keyword-model');
    expect(moderation.results.map((result) => result.flagged)).toEqual([false, true]);
    expect(moderation.results[1]!.category_applied_input_types).toMatchObject({ keyword: ['text'] });
  });

  it('moderates with the shield whose model is named, and multimodal parts as one input', async () => {
    const moderation = await openai.moderations.create({
      model: 'keyword-model',
      input: [{ type: 'text', text: 'look: FORBIDDEN' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
    });
    expect(moderation.model).toBe('keyword-model');
    expect(moderation.results).toHaveLength(1);
    expect(moderation.results[0]).toMatchObject({ flagged: true, category_applied_input_types: { keyword: ['text', 'image'] } });
    const unknown = await clientFailure(openai.moderations.create({ model: 'omni-moderation-latest', input: 'x' }));
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ param: 'model', code: 'model_not_found' });
    const empty = await clientFailure(openai.moderations.create({ input: [] }));
    expect(empty.status).toBe(400);
    expect(empty.error.param).toBe('input');
  });

  it('a shield that does not answer in time is a 504, not a hang', async () => {
    const started = Date.now();
    const timedOut = await clientFailure(llamaStack.safety.runShield({ shield_id: 'slow-shield', messages: [{ role: 'user', content: 'x' }] }));
    expect(timedOut.status).toBe(504);
    expect(timedOut.error.message).toContain('slow-shield');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('safety API: configuration errors and moderations without a default shield', () => {
  it('a distribution shield naming a provider that is not enabled fails the start with its path', async () => {
    await expect(startTestServer({
      catalog: catalog(),
      distribution: {
        providers: { safety: [{ provider_id: 'keyword', provider_type: 'inline::keyword-test' }] },
        registered_resources: { shields: [{ shield_id: 'x', provider_id: 'llama-guard', provider_shield_id: 'm' }] },
      },
    })).rejects.toThrow(/registered_resources\.shields\[0\]\.provider_id/);
  });

  it('without safety.default_shield_id, moderations need a model (400 naming model)', async () => {
    const server = await startTestServer({
      catalog: catalog(),
      distribution: { providers: { safety: [{ provider_id: 'keyword', provider_type: 'inline::keyword-test' }] } },
    });
    try {
      const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const missing = await clientFailure(openai.moderations.create({ input: 'x' }));
      expect(missing.status).toBe(400);
      expect(missing.error.param).toBe('model');
      expect(missing.error.message).toContain('default_shield_id');
    } finally {
      await server.close();
    }
  });
});
