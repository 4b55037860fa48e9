import LlamaStackClient from 'llama-stack-client';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOpenResponsesEvents, assertOpenResponsesObject, clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { lastTurn } from '../../safety-llama-guard/test/llama-guard-upstream.js';

type Json = Record<string, any>;

const GUARD_PROMPT = /^Task: Check if there is unsafe content/;

/**
 * One upstream for the model and its Llama Guard: Llama Guard prompts get Llama Guard's verdict
 * on their last turn (kidnapping is S1), other requests the model's answer (it tells a story of a
 * kidnapping when asked for one, and echoes otherwise).
 */
function reply(request: Json): string {
  const last = request.messages.at(-1);
  const text = typeof last.content === 'string' ? last.content : last.content.map((part: Json) => part.text ?? '').join('');
  if (GUARD_PROMPT.test(text)) return lastTurn(text).includes('kidnap') ? 'unsafe\nS1' : 'safe';
  if (text.includes('story')) return 'Once upon a time they planned to kidnap the king.';
  return `Echo: ${text}`;
}

function distribution(upstreamUrl: string): Json {
  return {
    providers: {
      inference: [{ provider_id: 'fake', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      safety: [{ provider_id: 'llama-guard', provider_type: 'inline::llama-guard' }],
      responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { persistence: { responses: { backend: 'sql_default', table_name: 'responses' } } } }],
      agents: [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: { persistence: { agent_state: { namespace: 'agents', backend: 'kv_default' }, responses: { table_name: 'responses', backend: 'sql_default' } } } }],
    },
    registered_resources: {
      shields: [
        { shield_id: 'llama-guard', provider_id: 'llama-guard', provider_shield_id: 'fake/llama-guard3:1b' },
        // A shield whose model the upstream does not serve: every check of it fails.
        { shield_id: 'broken-guard', provider_id: 'llama-guard', provider_shield_id: 'fake/missing-guard' },
        { shield_id: 'lenient-guard', provider_id: 'llama-guard', provider_shield_id: 'fake/missing-guard' },
      ],
    },
    safety: { default_shield_id: 'llama-guard', fail_open: ['lenient-guard'] },
  };
}

const modelCalls = (upstream: FakeOpenAIUpstream) => upstream.requests.filter((request) => !GUARD_PROMPT.test(String(request.body.messages?.at(-1)?.content ?? ''))).length;

describe('guardrails in the Responses API and shields in agents', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let openai: OpenAI;
  let llamaStack: LlamaStackClient;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', models: [{ id: 'fake-llm' }, { id: 'llama-guard3:1b' }], reply });
    server = await startTestServer({ distribution: distribution(upstream.url) });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    llamaStack = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  const create = (body: Json) => openai.responses.create(body as never) as unknown as Promise<Json>;

  it('passes safe input and output through', async () => {
    const response = await create({ model: 'fake/fake-llm', input: 'Hello there', guardrails: ['llama-guard'] });
    assertOpenResponsesObject(response);
    expect(response.output_text).toBe('Echo: Hello there');
  });

  it('a flagged input ends as a refusal naming the categories, without calling the model', async () => {
    const before = modelCalls(upstream);
    const response = await create({ model: 'fake/fake-llm', input: 'How do I kidnap someone?', guardrails: ['llama-guard'] });
    assertOpenResponsesObject(response);
    expect(response.status).toBe('completed');
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'refusal' }] });
    expect(response.output[0].content[0].refusal).toContain('Violent Crimes');
    expect(modelCalls(upstream)).toBe(before);
    // Kept as answered: the refusal is what the stored response holds.
    expect((await openai.responses.retrieve(response.id)).output).toEqual(response.output);
  });

  it('a flagged answer is replaced by a refusal; `true` names the default shield', async () => {
    const response = await create({ model: 'fake/fake-llm', input: 'Tell me a story', guardrails: true });
    expect(response.output).toHaveLength(1);
    expect(response.output[0].content).toEqual([{ type: 'refusal', refusal: expect.stringContaining('Violent Crimes') }]);
    expect(JSON.stringify(response.output)).not.toContain('kidnap the king');
  });

  it('streams a flagged answer as refusal events, never its text', async () => {
    const stream = await openai.responses.create({ model: 'fake/fake-llm', input: 'Tell me a story', guardrails: ['llama-guard'], stream: true } as never);
    const events: Json[] = [];
    for await (const event of stream as unknown as AsyncIterable<Json>) events.push(event);
    assertOpenResponsesEvents(events);
    const types = events.map((event) => event.type);
    expect(types).toContain('response.refusal.delta');
    expect(types).toContain('response.refusal.done');
    expect(types).not.toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    expect(JSON.stringify(events)).not.toContain('kidnap the king');
  });

  it('streams a safe answer as text once the shields pass it', async () => {
    const stream = await openai.responses.create({ model: 'fake/fake-llm', input: 'Hi', guardrails: ['llama-guard'], stream: true } as never);
    const events: Json[] = [];
    for await (const event of stream as unknown as AsyncIterable<Json>) events.push(event);
    assertOpenResponsesEvents(events);
    const done = events.find((event) => event.type === 'response.output_text.done');
    expect(done?.text).toBe('Echo: Hi');
  });

  it('an unknown shield is a 404 naming guardrails; a failing shield fails the response with a clear error', async () => {
    const unknown = await clientFailure(create({ model: 'fake/fake-llm', input: 'Hi', guardrails: ['nope'] }));
    expect(unknown.status).toBe(404);
    expect(unknown.error.param).toBe('guardrails');
    const broken = await clientFailure(create({ model: 'fake/fake-llm', input: 'Hi', guardrails: ['broken-guard'] }));
    expect(broken.status).toBeGreaterThanOrEqual(500);
    expect(broken.status).toBeLessThan(600);
    expect(broken.error.message).toContain('missing-guard');
  });

  it('a fail-open shield that fails lets the response go on', async () => {
    const response = await create({ model: 'fake/fake-llm', input: 'Hi', guardrails: ['lenient-guard'] });
    expect(response.output_text).toBe('Echo: Hi');
  });

  it('agents: input shields block a turn with a shield_call step and the shield\'s message', async () => {
    const { agent_id: agentId } = (await llamaStack.post('/v1alpha/agents', { body: { agent_config: { model: 'fake/fake-llm', instructions: 'Be brief.', input_shields: ['llama-guard'], output_shields: ['llama-guard'] } } })) as Json;
    const { session_id: sessionId } = (await llamaStack.post(`/v1alpha/agents/${agentId}/session`, { body: { session_name: 'guarded' } })) as Json;
    const safe = (await llamaStack.post(`/v1alpha/agents/${agentId}/session/${sessionId}/turn`, { body: { messages: [{ role: 'user', content: 'Hello' }] } })) as Json;
    expect(safe.output_message.content).toBe('Echo: Hello');
    expect(safe.steps.map((step: Json) => step.step_type)).toEqual(['shield_call', 'inference', 'shield_call']);
    expect(safe.steps[0].violation ?? null).toBeNull();

    const blocked = (await llamaStack.post(`/v1alpha/agents/${agentId}/session/${sessionId}/turn`, { body: { messages: [{ role: 'user', content: 'How do I kidnap someone?' }] } })) as Json;
    expect(blocked.steps.map((step: Json) => step.step_type)).toEqual(['shield_call']);
    expect(blocked.steps[0].violation).toMatchObject({ violation_level: 'error', metadata: { violation_type: 'S1' } });
    expect(blocked.output_message).toMatchObject({ role: 'assistant', content: "I can't answer that. Can I help with something else?", stop_reason: 'end_of_turn' });

    const story = (await llamaStack.post(`/v1alpha/agents/${agentId}/session/${sessionId}/turn`, { body: { messages: [{ role: 'user', content: 'Tell me a story' }] } })) as Json;
    expect(story.steps.map((step: Json) => step.step_type)).toEqual(['shield_call', 'inference', 'shield_call']);
    expect(story.steps[2].violation).toMatchObject({ violation_level: 'error' });
    expect(story.output_message.content).toBe("I can't answer that. Can I help with something else?");
  });

  it('agents: an unknown shield is a 404 at agent creation', async () => {
    const reply = await fetch(`${server.url}/v1alpha/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_config: { model: 'fake/fake-llm', instructions: 'x', output_shields: ['nope'] } }) });
    expect(reply.status).toBe(404);
    expect(((await reply.json()) as Json).error.param).toBe('agent_config.output_shields');
  });
});
