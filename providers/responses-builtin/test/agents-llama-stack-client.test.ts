import LlamaStackClient from 'llama-stack-client';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';
import { type McpTestServer, startMcpTestServer } from '../../tool-runtime-model-context-protocol/test/mcp-test-server.js';

/**
 * A Llama Stack 0.2–0.3 distribution: the agents provider (inline::meta-reference) with its
 * 0.3 config and no responses section, which serves the Responses API too.
 */
function agentsDistribution(upstreamUrl: string, dataDir: string): Record<string, unknown> {
  const base = vectorStoresDistribution(upstreamUrl, dataDir) as { apis: string[]; providers: Record<string, unknown> };
  return {
    ...base,
    apis: [...base.apis, 'tool_runtime', 'agents'],
    providers: {
      ...base.providers,
      tool_runtime: [{ provider_id: 'model-context-protocol', provider_type: 'remote::model-context-protocol', config: { connect_timeout_seconds: 2, call_timeout_seconds: 5 } }],
      agents: [
        {
          provider_id: 'meta-reference',
          provider_type: 'inline::meta-reference',
          config: { persistence: { agent_state: { namespace: 'agents', backend: 'kv_default' }, responses: { table_name: 'responses', backend: 'sql_default' } } },
        },
      ],
    },
  };
}

type Json = Record<string, any>;

/** The event payloads of a streamed turn. */
async function payloads(stream: AsyncIterable<unknown>): Promise<Json[]> {
  const events: Json[] = [];
  for await (const chunk of stream) events.push((chunk as Json).event.payload);
  return events;
}

describe('the agents API (Llama Stack 0.2–0.3) with llama-stack-client', () => {
  let upstream: FakeOpenAIUpstream;
  let mcp: McpTestServer;
  let server: TestServer;
  let client: LlamaStackClient;
  const data = temporaryDirectory();

  const agentConfig = (extra: Json = {}): Json => ({ model: 'openai/fake-llm', instructions: 'You are a terse assistant.', ...extra });
  const createAgent = async (config: Json): Promise<string> => ((await client.post('/v1alpha/agents', { body: { agent_config: config } })) as Json).agent_id;
  const createSession = async (agentId: string, name = 'chat'): Promise<string> => ((await client.post(`/v1alpha/agents/${agentId}/session`, { body: { session_name: name } })) as Json).session_id;
  const turn = (agentId: string, sessionId: string, body: Json) => client.post(`/v1alpha/agents/${agentId}/session/${sessionId}/turn`, { body }) as Promise<Json>;
  const streamTurn = async (agentId: string, sessionId: string, body: Json) =>
    payloads((await client.post(`/v1alpha/agents/${agentId}/session/${sessionId}/turn`, { body: { ...body, stream: true }, stream: true })) as AsyncIterable<unknown>);
  /** An error reply's status and OpenAI error object (raw fetch: the client has no agents methods). */
  const failure = async (method: string, path: string, body?: Json): Promise<{ status: number; error: Json }> => {
    const reply = await fetch(`${server.url}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    return { status: reply.status, error: ((await reply.json()) as Json).error };
  };

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    mcp = await startMcpTestServer({ transport: 'streamable_http' });
    server = await startTestServer({ distribution: agentsDistribution(upstream.url, data.dir), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await mcp?.close();
    await upstream?.close();
    data.remove();
  });

  it('creates, lists, gets and deletes agents and their sessions', async () => {
    const agentId = await createAgent(agentConfig({ name: 'crud', sampling_params: { max_tokens: 64 } }));
    const agent = (await client.get(`/v1alpha/agents/${agentId}`)) as Json;
    expect(agent).toMatchObject({ agent_id: agentId, agent_config: { model: 'openai/fake-llm', name: 'crud', max_infer_iters: 10, sampling_params: { strategy: { type: 'greedy' }, max_tokens: 64 } } });
    expect(Date.parse(agent.created_at)).not.toBeNaN();
    const listed = (await client.get('/v1alpha/agents')) as Json;
    expect(listed.data.map((entry: Json) => entry.agent_id)).toContain(agentId);
    expect(listed.has_more).toBe(false);
    expect(((await client.get('/v1alpha/agents', { query: { start_index: 0, limit: 1 } })) as Json).data).toHaveLength(1);

    const first = await createSession(agentId, 'first');
    const second = await createSession(agentId, 'second');
    expect(await client.get(`/v1alpha/agents/${agentId}/session/${first}`)).toMatchObject({ session_id: first, session_name: 'first', turns: [] });
    const sessions = (await client.get(`/v1alpha/agents/${agentId}/sessions`)) as Json;
    expect(sessions.data.map((session: Json) => session.session_name)).toEqual(['first', 'second']);
    expect(await client.delete(`/v1alpha/agents/${agentId}/session/${second}`)).toBeNull();
    expect(await failure('GET', `/v1alpha/agents/${agentId}/session/${second}`)).toMatchObject({ status: 404, error: { param: 'session_id' } });

    expect(await client.delete(`/v1alpha/agents/${agentId}`)).toBeNull();
    const gone = await failure('GET', `/v1alpha/agents/${agentId}`);
    expect(gone.status).toBe(404);
    expect(gone.error.param).toBe('agent_id');
    expect(gone.error.message).toContain(agentId);
    expect(await failure('GET', `/v1alpha/agents/${agentId}/session/${first}`)).toMatchObject({ status: 404, error: { param: 'agent_id' } });
  });

  it('runs turns over the session so far, and keeps their steps', async () => {
    const agentId = await createAgent(agentConfig({ sampling_params: { strategy: { type: 'top_p', temperature: 0.5, top_p: 0.9 }, max_tokens: 100 } }));
    const sessionId = await createSession(agentId);
    const first = await turn(agentId, sessionId, { messages: [{ role: 'user', content: 'Hello agent' }] });
    expect(first).toMatchObject({ session_id: sessionId, input_messages: [{ role: 'user', content: 'Hello agent' }], output_message: { role: 'assistant', content: 'Echo: Hello agent', stop_reason: 'end_of_turn' } });
    expect(first.steps.map((step: Json) => step.step_type)).toEqual(['inference']);
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are a terse assistant.' });
    expect(sent).toMatchObject({ temperature: 0.5, top_p: 0.9, max_completion_tokens: 100 });

    const second = await turn(agentId, sessionId, { messages: [{ role: 'user', content: [{ type: 'text', text: 'And again' }] }] });
    expect(second.output_message.content).toBe('Echo: And again');
    const history = upstream.requests.at(-1)!.body.messages;
    expect(history.map((message: Json) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(history[2].content).toBe('Echo: Hello agent');

    expect(await client.get(`/v1alpha/agents/${agentId}/session/${sessionId}/turn/${first.turn_id}`)).toEqual(first);
    const step = first.steps[0];
    expect(await client.get(`/v1alpha/agents/${agentId}/session/${sessionId}/turn/${first.turn_id}/step/${step.step_id}`)).toEqual({ step });
    const session = (await client.get(`/v1alpha/agents/${agentId}/session/${sessionId}`)) as Json;
    expect(session.turns.map((entry: Json) => entry.turn_id)).toEqual([first.turn_id, second.turn_id]);
    const filtered = (await client.get(`/v1alpha/agents/${agentId}/session/${sessionId}`, { query: { turn_ids: [second.turn_id] } })) as Json;
    expect(filtered.turns.map((entry: Json) => entry.turn_id)).toEqual([second.turn_id]);
    expect(await failure('GET', `/v1alpha/agents/${agentId}/session/${sessionId}/turn/${first.turn_id}/step/nope`)).toMatchObject({ status: 404, error: { param: 'step_id' } });
  });

  it('streams a turn as Llama Stack turn and step events', async () => {
    const agentId = await createAgent(agentConfig());
    const sessionId = await createSession(agentId);
    const events = await streamTurn(agentId, sessionId, { messages: [{ role: 'user', content: 'Stream this' }] });
    const types = events.map((event) => event.event_type);
    expect(types[0]).toBe('turn_start');
    expect(types[1]).toBe('step_start');
    expect(types.slice(-2)).toEqual(['step_complete', 'turn_complete']);
    expect(types.filter((type) => type === 'step_progress').length).toBeGreaterThan(1);
    const text = events.filter((event) => event.event_type === 'step_progress').map((event) => event.delta.text).join('');
    expect(text).toBe('Echo: Stream this');
    const completed = events.at(-1)!.turn;
    expect(completed.turn_id).toBe(events[0]!.turn_id);
    expect(completed.output_message.content).toBe('Echo: Stream this');
    expect(events.at(-2)).toMatchObject({ step_type: 'inference', step_details: completed.steps[0] });
    expect(await client.get(`/v1alpha/agents/${agentId}/session/${sessionId}/turn/${completed.turn_id}`)).toEqual(completed);
  });

  it('waits for client tools, and resumes the turn with their results', async () => {
    const agentId = await createAgent(
      agentConfig({ client_tools: [{ name: 'get_weather', description: 'The weather in a city.', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }),
    );
    const sessionId = await createSession(agentId);
    const events = await streamTurn(agentId, sessionId, { messages: [{ role: 'user', content: 'Use get_weather for Lima' }] });
    const awaiting = events.at(-1)!;
    expect(awaiting.event_type).toBe('turn_awaiting_input');
    const call = awaiting.turn.output_message.tool_calls[0];
    expect(call).toMatchObject({ tool_name: 'get_weather' });
    expect(JSON.parse(call.arguments)).toHaveProperty('city');
    expect(awaiting.turn.output_message.stop_reason).toBe('end_of_message');
    expect(events.some((event) => event.event_type === 'step_progress' && event.delta.type === 'tool_call' && event.delta.parse_status === 'succeeded')).toBe(true);
    const turnPath = `/v1alpha/agents/${agentId}/session/${sessionId}/turn/${awaiting.turn.turn_id}`;

    expect(await failure('POST', `${turnPath}/resume`, { tool_responses: [{ call_id: 'other', tool_name: 'get_weather', content: 'x' }] })).toMatchObject({ status: 400, error: { param: 'tool_responses[0].call_id' } });
    const resumed = (await client.post(`${turnPath}/resume`, { body: { tool_responses: [{ call_id: call.call_id, tool_name: 'get_weather', content: 'Sunny, 21 C' }] } })) as Json;
    expect(resumed.output_message).toMatchObject({ content: 'The tool said: Sunny, 21 C', stop_reason: 'end_of_turn' });
    expect(resumed.steps.map((step: Json) => step.step_type)).toEqual(['inference', 'tool_execution', 'inference']);
    expect(resumed.steps[1]).toMatchObject({ tool_calls: [call], tool_responses: [{ call_id: call.call_id, content: 'Sunny, 21 C' }] });
    expect(resumed.completed_at).toBeDefined();
    const sent = upstream.requests.at(-1)!.body.messages;
    expect(sent.at(-1)).toEqual({ role: 'tool', tool_call_id: call.call_id, content: 'Sunny, 21 C' });
    expect(await failure('POST', `${turnPath}/resume`, { tool_responses: [{ call_id: call.call_id, tool_name: 'get_weather', content: 'again' }] })).toMatchObject({ status: 409, error: { param: 'turn_id' } });

    // Streamed resumption of a second call.
    const waiting = await turn(agentId, sessionId, { messages: [{ role: 'user', content: 'Now get_weather for Quito' }] });
    const secondCall = waiting.output_message.tool_calls[0];
    const stream = (await client.post(`/v1alpha/agents/${agentId}/session/${sessionId}/turn/${waiting.turn_id}/resume`, {
      body: { tool_responses: [{ call_id: secondCall.call_id, tool_name: 'get_weather', content: 'Rain' }], stream: true },
      stream: true,
    })) as AsyncIterable<unknown>;
    const resumedEvents = await payloads(stream);
    expect(resumedEvents[0]).toMatchObject({ event_type: 'step_start', step_type: 'tool_execution' });
    expect(resumedEvents.at(-1)).toMatchObject({ event_type: 'turn_complete', turn: { output_message: { content: 'The tool said: Rain' } } });
  });

  it('runs the tools of an MCP tool group registered with mcp_endpoint', async () => {
    const registered = await fetch(`${server.url}/v1/toolgroups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ toolgroup_id: 'mcp::calc', provider_id: 'model-context-protocol', mcp_endpoint: { uri: mcp.url } }),
    });
    expect(registered.status).toBe(200);
    const agentId = await createAgent(agentConfig({ toolgroups: ['mcp::calc'] }));
    const sessionId = await createSession(agentId);
    const events = await streamTurn(agentId, sessionId, { messages: [{ role: 'user', content: 'Please add these numbers' }] });
    const result = events.at(-1)!.turn;
    expect(result.steps.map((step: Json) => step.step_type)).toEqual(['inference', 'tool_execution', 'inference']);
    const execution = result.steps[1];
    expect(execution.tool_calls[0]).toMatchObject({ tool_name: 'add' });
    expect(Number(execution.tool_responses[0].content)).not.toBeNaN();
    expect(result.output_message.content).toBe(`The tool said: ${execution.tool_responses[0].content}`);
    expect(events.map((event) => `${event.event_type}:${event.step_type ?? ''}`)).toEqual(expect.arrayContaining(['step_start:tool_execution', 'step_complete:tool_execution']));
  });

  it('searches vector stores with builtin::rag given as a turn tool group', async () => {
    const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const file = await openai.files.create({ file: await toFile(Buffer.from('Llamas hum to talk to each other.'), 'llamas.txt'), purpose: 'assistants' });
    const store = await openai.vectorStores.create({ name: 'facts', file_ids: [file.id] });
    for (let i = 0; i < 100 && (await openai.vectorStores.retrieve(store.id)).file_counts.completed < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const agentId = await createAgent(agentConfig());
    const sessionId = await createSession(agentId);
    const result = await turn(agentId, sessionId, {
      messages: [{ role: 'user', content: 'How do llamas talk? Use file_search' }],
      toolgroups: [{ name: 'builtin::rag/knowledge_search', args: { vector_db_ids: [store.id] } }],
    });
    expect(result.steps.map((step: Json) => step.step_type)).toEqual(['inference', 'tool_execution', 'inference']);
    expect(result.steps[1].tool_calls[0].tool_name).toBe('file_search');
    expect(result.steps[1].tool_responses[0].content).toContain('Llamas hum');
    expect(result.output_message.content).toContain('The tool said:');
  });

  it('answers bad agents and turns with errors naming the field', async () => {
    const unknownAgent = await failure('POST', '/v1alpha/agents/nope/session', { session_name: 'x' });
    expect(unknownAgent).toMatchObject({ status: 404, error: { param: 'agent_id' } });
    const unknownGroup = await failure('POST', '/v1alpha/agents', { agent_config: agentConfig({ toolgroups: ['builtin::websearch', 'mcp::missing'] }) });
    expect(unknownGroup.status).toBe(400);
    expect(unknownGroup.error.param).toBe('agent_config.toolgroups[1]');
    expect(unknownGroup.error.message).toContain('mcp::missing');
    expect(await failure('POST', '/v1alpha/agents', { agent_config: agentConfig({ input_shields: ['llama-guard'] }) })).toMatchObject({ status: 400, error: { param: 'agent_config.input_shields' } });
    expect(await failure('POST', '/v1alpha/agents', { agent_config: agentConfig({ toolgroups: [{ name: 'builtin::rag', args: {} }] }) })).toMatchObject({ status: 400, error: { param: 'agent_config.toolgroups[0].args' } });
    expect(await failure('POST', '/v1alpha/agents', { agent_config: agentConfig({ model: 'no-such-model' }) })).toMatchObject({ status: 404, error: { param: 'agent_config.model' } });
    expect((await failure('POST', '/v1alpha/agents', { agent_config: { model: 'openai/fake-llm' } })).status).toBe(400);
    const agentId = await createAgent(agentConfig());
    const sessionId = await createSession(agentId);
    expect(await failure('POST', `/v1alpha/agents/${agentId}/session/${sessionId}/turn`, { messages: [{ role: 'user', content: 'hi' }], toolgroups: ['mcp::missing'], stream: true })).toMatchObject({
      status: 400,
      error: { param: 'toolgroups[0]' },
    });
  });

  it('serves the Responses API from the agents section (Llama Stack 0.2–0.3 configs)', async () => {
    const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const response = await openai.responses.create({ model: 'openai/fake-llm', input: 'Hello responses' });
    expect(response.output_text).toBe('Echo: Hello responses');
    expect((await openai.responses.retrieve(response.id)).status).toBe('completed');
    const providers = (await client.providers.list()) as unknown as Json[];
    expect(providers.filter((provider) => provider.provider_id === 'meta-reference').map((provider) => provider.api).sort()).toEqual(['agents', 'responses']);
  });

  it('keeps agents, sessions and turns across a restart on the same data', async () => {
    const agentId = await createAgent(agentConfig({ enable_session_persistence: true }));
    const sessionId = await createSession(agentId, 'kept');
    const before = await turn(agentId, sessionId, { messages: [{ role: 'user', content: 'Remember me' }] });
    await server.close();
    server = await startTestServer({ distribution: agentsDistribution(upstream.url, data.dir), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    expect(((await client.get(`/v1alpha/agents/${agentId}`)) as Json).agent_config.enable_session_persistence).toBe(true);
    const session = (await client.get(`/v1alpha/agents/${agentId}/session/${sessionId}`)) as Json;
    expect(session).toMatchObject({ session_name: 'kept', turns: [before] });
    const after = await turn(agentId, sessionId, { messages: [{ role: 'user', content: 'Still there?' }] });
    expect(after.output_message.content).toBe('Echo: Still there?');
    expect(upstream.requests.at(-1)!.body.messages.map((message: Json) => message.content)).toEqual(['You are a terse assistant.', 'Remember me', 'Echo: Remember me', 'Still there?']);
  });
});
