import LlamaStackClient from 'llama-stack-client';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cria/testing';

const FENCE = '```';
const INSECURE = `${FENCE}python\nimport yaml\nconfig = yaml.load(request.data)\n${FENCE}`;

describe('inline::code-scanner through the safety routes', () => {
  let server: TestServer;
  let llamaStack: LlamaStackClient;
  let openai: OpenAI;

  beforeAll(async () => {
    server = await startTestServer({
      distribution: {
        providers: { safety: [{ provider_id: 'code-scanner', provider_type: 'inline::code-scanner', config: {} }] },
        registered_resources: { shields: [{ shield_id: 'code-scanner', provider_id: 'code-scanner', provider_shield_id: 'code-scanner' }] },
      },
    });
    llamaStack = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('registers code-shield, refuses another model naming provider_shield_id, and lists both ways', async () => {
    const registered = await llamaStack.shields.register({ shield_id: 'code-shield', provider_shield_id: 'code-shield' });
    expect(registered).toMatchObject({ identifier: 'code-shield', provider_id: 'code-scanner', provider_resource_id: 'code-shield', type: 'shield' });
    const refused = await llamaStack.shields.register({ shield_id: 'guard', provider_shield_id: 'llama-guard' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LlamaStackClient.APIError);
    expect((refused as InstanceType<typeof LlamaStackClient.APIError>).status).toBe(400);
    expect(JSON.stringify((refused as InstanceType<typeof LlamaStackClient.APIError>).error)).toContain('provider_shield_id');
    expect((await llamaStack.shields.list()).map((shield) => shield.identifier).sort()).toEqual(['code-scanner', 'code-shield']);
    await llamaStack.shields.delete('code-shield');
    expect((await llamaStack.shields.list()).map((shield) => shield.identifier)).toEqual(['code-scanner']);
  });

  it('run-shield returns the violation for insecure code, none for safe code', async () => {
    const blocked = await llamaStack.safety.runShield({ shield_id: 'code-scanner', messages: [{ role: 'user', content: 'Load it.' }, { role: 'assistant', content: INSECURE }] });
    expect(blocked.violation).toMatchObject({
      violation_level: 'error',
      user_message: 'Sorry, I found security concerns in the code.',
      metadata: { violation_type: 'python.yaml-unsafe-load', categories: ['python.yaml-unsafe-load'], findings: [{ rule_id: 'python.yaml-unsafe-load', cwe: 'CWE-502', severity: 'high', line: 3, message_index: 1 }] },
    });
    const passed = await llamaStack.safety.runShield({ shield_id: 'code-scanner', messages: [{ role: 'user', content: `${FENCE}python\nconfig = yaml.safe_load(stream)\n${FENCE}` }] });
    expect(passed.violation).toBeNull();
  });

  it('moderations.create of the openai client: one result per input, the rule ids as categories beside OpenAI\'s', async () => {
    const moderation = await openai.moderations.create({ model: 'code-scanner', input: [INSECURE, 'Nothing to see.'] });
    expect(moderation.id).toMatch(/^modr-/);
    expect(moderation.model).toBe('code-scanner');
    expect(moderation.results).toHaveLength(2);
    const [insecure, plain] = moderation.results;
    expect(insecure).toMatchObject({ flagged: true, categories: { 'python.yaml-unsafe-load': true, violence: false }, category_scores: { 'python.yaml-unsafe-load': 1 } });
    expect((insecure as unknown as { user_message: string }).user_message).toMatch(/^Security concerns detected in the code\. BLOCK: yaml\.load without SafeLoader/);
    expect(plain).toMatchObject({ flagged: false, categories: { violence: false } });
  });
});
