import OpenAI, { toFile } from 'openai';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOpenResponsesEvents, assertOpenResponsesObject, FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';
import { type McpTestServer, startMcpTestServer } from '../../tool-runtime-model-context-protocol/test/mcp-test-server.js';
import { startTavilyStandIn, type TavilyStandIn } from '../../tool-runtime-tavily-search/test/tavily-search-stand-in.js';

/** The test distribution: vector stores over the fake upstream, plus the tool runtime, responses, conversations and prompts. */
function responsesDistribution(upstreamUrl: string, dataDir: string, tavilyUrl: string): Record<string, unknown> {
  const base = vectorStoresDistribution(upstreamUrl, dataDir) as { apis: string[]; providers: Record<string, unknown> };
  return {
    ...base,
    apis: [...base.apis, 'tool_runtime', 'responses', 'conversations', 'prompts'],
    providers: {
      ...base.providers,
      tool_runtime: [
        { provider_id: 'model-context-protocol', provider_type: 'remote::model-context-protocol', config: { connect_timeout_seconds: 2, call_timeout_seconds: 5 } },
        { provider_id: 'tavily-search', provider_type: 'remote::tavily-search', config: { api_key: 'tavily-key', base_url: tavilyUrl, max_results: 2 } },
      ],
      responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { persistence: { responses: { backend: 'sql_default', table_name: 'responses' } } } }],
    },
  };
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const apiError = error as { status: number; error: Record<string, unknown> };
    return { status: apiError.status, error: apiError.error };
  }
  throw new Error('expected the request to fail');
}

describe('the Responses API with the openai client', () => {
  let upstream: FakeOpenAIUpstream;
  let mcp: McpTestServer;
  let tavily: TavilyStandIn;
  let server: TestServer;
  let client: OpenAI;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    mcp = await startMcpTestServer({ transport: 'streamable_http', slowMs: 3000 });
    tavily = await startTavilyStandIn();
    server = await startTestServer({ distribution: responsesDistribution(upstream.url, data.dir, tavily.url), dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await mcp?.close();
    await tavily?.close();
    await upstream?.close();
    data.remove();
  });

  it('answers a text input, keeps the response and its input items', async () => {
    const response = await client.responses.create({ model: 'openai/fake-llm', input: 'Hello there', instructions: 'Be brief.' });
    assertOpenResponsesObject(response);
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Echo: Hello there');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    const stored = await client.responses.retrieve(response.id);
    expect(stored.output).toEqual(response.output);
    const items = await client.responses.inputItems.list(response.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello there' }] });
  });

  it('streams every event in order, numbered from 0', async () => {
    const stream = await client.responses.create({ model: 'openai/fake-llm', input: 'Stream me', stream: true });
    const events: Record<string, unknown>[] = [];
    for await (const event of stream) events.push(event as unknown as Record<string, unknown>);
    assertOpenResponsesEvents(events);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    const text = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
    expect(text).toBe('Echo: Stream me');
    const completed = events.at(-1)!.response as { id: string };
    expect((await client.responses.retrieve(completed.id)).status).toBe('completed');
  });

  it('returns a function call, then answers with its output through previous_response_id', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'get_weather', description: 'The weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false },
    ];
    const first = await client.responses.create({ model: 'openai/fake-llm', input: 'Use get_weather for Lima', tools });
    const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toHaveProperty('city');
    const second = await client.responses.create({
      model: 'openai/fake-llm',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Sunny, 21 C' }],
      tools,
    });
    expect(second.output_text).toBe('The tool said: Sunny, 21 C');
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: call.call_id, function: { name: 'get_weather' } }] });
    expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: call.call_id, content: 'Sunny, 21 C' });
  });

  it('lists and calls the tools of an MCP server, streaming the MCP events', async () => {
    const stream = await client.responses.create({
      model: 'openai/fake-llm',
      input: 'Please add these numbers',
      tools: [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'never', allowed_tools: ['add'] }],
      stream: true,
    });
    const events: Record<string, unknown>[] = [];
    for await (const event of stream) events.push(event as unknown as Record<string, unknown>);
    assertOpenResponsesEvents(events);
    const response = events.at(-1)!.response as OpenAI.Responses.Response;
    expect(response.status).toBe('completed');
    const listing = response.output.find((item) => item.type === 'mcp_list_tools') as OpenAI.Responses.ResponseOutputItem.McpListTools;
    expect(listing.tools.map((tool) => tool.name)).toEqual(['add']);
    const call = response.output.find((item) => item.type === 'mcp_call') as OpenAI.Responses.ResponseOutputItem.McpCall;
    expect(call).toMatchObject({ name: 'add', server_label: 'calc', error: null });
    expect(Number(call.output)).not.toBeNaN();
    expect(response.output.at(-1)).toMatchObject({ type: 'message' });
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['response.mcp_list_tools.in_progress', 'response.mcp_list_tools.completed', 'response.mcp_call.in_progress', 'response.mcp_call.completed']));
  });

  it('asks for approval before an MCP call, and runs it once approved', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'always' }];
    const first = await client.responses.create({ model: 'openai/fake-llm', input: 'Please echo this', tools });
    const approval = first.output.find((item) => item.type === 'mcp_approval_request') as OpenAI.Responses.ResponseOutputItem.McpApprovalRequest;
    expect(approval).toMatchObject({ name: 'echo', server_label: 'calc' });
    expect(first.output.some((item) => item.type === 'mcp_call')).toBe(false);
    const second = await client.responses.create({
      model: 'openai/fake-llm',
      previous_response_id: first.id,
      input: [{ type: 'mcp_approval_response', approval_request_id: approval.id, approve: true }],
      tools,
    });
    // The previous listing is reused: no second mcp_list_tools.
    expect(second.output[0]).toMatchObject({ type: 'mcp_call', name: 'echo', approval_request_id: approval.id });
    expect(second.output.some((item) => item.type === 'mcp_list_tools')).toBe(false);
  });

  it('answers an MCP server that is down with a clear error', async () => {
    const failure = await statusOf(client.responses.create({ model: 'openai/fake-llm', input: 'hi', tools: [{ type: 'mcp', server_label: 'gone', server_url: 'http://127.0.0.1:1/mcp', require_approval: 'never' }] }));
    expect(failure.status).toBeGreaterThanOrEqual(500);
    expect(failure.status).toBeLessThan(600);
    expect(JSON.stringify(failure.error)).toContain('127.0.0.1:1');
  });

  it('searches the web through the tool runtime, streaming the web_search_call events', async () => {
    const stream = await client.responses.create({ model: 'openai/fake-llm', input: 'Find llama facts with web_search', tools: [{ type: 'web_search_preview' }], stream: true });
    const events: Record<string, unknown>[] = [];
    for await (const event of stream) events.push(event as unknown as Record<string, unknown>);
    assertOpenResponsesEvents(events);
    const response = events.at(-1)!.response as OpenAI.Responses.Response;
    expect(response.output[0]).toMatchObject({ type: 'web_search_call', status: 'completed' });
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['response.web_search_call.in_progress', 'response.web_search_call.searching', 'response.web_search_call.completed']));
    expect(tavily.requests.at(-1)!.body).toMatchObject({ api_key: 'tavily-key', max_results: 2 });
    expect(upstream.requests.at(-1)!.body.messages.at(-1).content).toContain('https://example.com/0');
  });

  it('refuses an MCP server at a cloud metadata address before running anything', async () => {
    const refused = await statusOf(client.responses.create({ model: 'openai/fake-llm', input: 'hi', stream: true, tools: [{ type: 'mcp', server_label: 'meta', server_url: 'http://169.254.169.254/mcp', require_approval: 'never' }] }));
    expect(refused).toMatchObject({ status: 400, error: { param: 'tools[0].server_url', code: 'outbound_url_refused' } });
  });

  it('fetches an input_file named by URL through the outbound guard', async () => {
    const { createServer } = await import('node:http');
    const files = createServer((_request, reply) => reply.writeHead(200, { 'content-type': 'text/plain' }).end('Llamas are camelids.'));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(files.address() as { port: number }).port}/notes/llamas.txt`;
      await client.responses.create({ model: 'openai/fake-llm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Read this' }, { type: 'input_file', file_url: url }] }] });
      const part = upstream.requests.at(-1)!.body.messages.at(-1).content[1];
      expect(part).toEqual({ type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from('Llamas are camelids.').toString('base64')}`, filename: 'llamas.txt' } });
      const refused = await statusOf(client.responses.create({ model: 'openai/fake-llm', input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'http://169.254.169.254/latest/meta-data' }] }] }));
      expect(refused).toMatchObject({ status: 400, error: { param: 'input[0].content[0].file_url', code: 'outbound_url_refused' } });
    } finally {
      files.close();
    }
  });

  it('searches vector stores with file_search and cites the files', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from('Llamas hum to talk to each other.'), 'llamas.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'facts', file_ids: [file.id] });
    for (let i = 0; i < 100 && (await client.vectorStores.retrieve(store.id)).file_counts.completed < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const response = await client.responses.create({
      model: 'openai/fake-llm',
      input: 'How do llamas talk? Use file_search',
      tools: [{ type: 'file_search', vector_store_ids: [store.id] }],
      include: ['file_search_call.results'],
    });
    assertOpenResponsesObject(response);
    const search = response.output.find((item) => item.type === 'file_search_call') as OpenAI.Responses.ResponseFileSearchToolCall;
    expect(search.status).toBe('completed');
    expect(search.results?.[0]).toMatchObject({ file_id: file.id, filename: 'llamas.txt' });
    const toolMessage = upstream.requests.at(-1)!.body.messages.at(-1);
    expect(toolMessage.role).toBe('tool');
    expect(toolMessage.content).toContain('file_search tool found 1 chunks');
    expect(toolMessage.content).toContain(`cite as <|${file.id}|>`);
    expect(response.output_text).toContain('The tool said:');
  });

  it('appends input and output to a conversation, and reads it as context', async () => {
    const conversation = await client.conversations.create({ metadata: { topic: 'greetings' } });
    await client.responses.create({ model: 'openai/fake-llm', input: 'First turn', conversation: conversation.id });
    await client.responses.create({ model: 'openai/fake-llm', input: 'Second turn', conversation: conversation.id });
    const sent = upstream.requests.at(-1)!.body.messages;
    expect(sent.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(items.data.map((item) => (item as { role?: string }).role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('expands a stored prompt with its variables', async () => {
    const stack = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    const prompt = await stack.prompts.create({ prompt: 'Answer as a {{ role }}.', variables: ['role'] });
    await client.responses.create({ model: 'openai/fake-llm', input: 'hi', prompt: { id: prompt.prompt_id, variables: { role: 'llama' } } });
    expect(upstream.requests.at(-1)!.body.messages[0]).toEqual({ role: 'system', content: 'Answer as a llama.' });
    const failure = await statusOf(client.responses.create({ model: 'openai/fake-llm', input: 'hi', prompt: { id: prompt.prompt_id, variables: { mood: 'calm' } } }));
    expect(failure.status).toBe(400);
    expect(failure.error).toMatchObject({ param: 'prompt.variables.mood' });
  });

  it('runs a background response to its end, and cancels one in progress', async () => {
    const queued = await client.responses.create({ model: 'openai/fake-llm', input: 'In the background', background: true });
    expect(['queued', 'in_progress', 'completed']).toContain(queued.status);
    let done = queued;
    for (let i = 0; i < 200 && done.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = await client.responses.retrieve(queued.id);
    }
    expect(done.output_text).toBe('Echo: In the background');
    const slow = await client.responses.create({
      model: 'openai/fake-llm',
      input: 'Call slow',
      background: true,
      tools: [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'never', allowed_tools: ['slow'] }],
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelled = await client.responses.cancel(slow.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await client.responses.retrieve(slow.id)).status).toBe('cancelled');
    expect((await statusOf(client.responses.cancel(done.id))).status).toBe(409);
  });

  it('passes text.format and tool_choice to the model, and resolves item references', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const structured = await client.responses.create({ model: 'openai/fake-llm', input: 'A city, as JSON', text: { format: { type: 'json_schema', name: 'place', schema, strict: true } } });
    expect(upstream.requests.at(-1)!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'place', schema, strict: true } });
    expect(JSON.parse(structured.output_text)).toHaveProperty('city');
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'alpha', parameters: { type: 'object', properties: {} }, strict: false },
      { type: 'function', name: 'beta', parameters: { type: 'object', properties: {} }, strict: false },
    ];
    await client.responses.create({ model: 'openai/fake-llm', input: 'call something', tools, tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'beta' }] } });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['beta']);
    expect(sent.tool_choice).toBe('required');
    const first = await client.responses.create({ model: 'openai/fake-llm', input: 'Remember me' });
    const message = (await client.responses.inputItems.list(first.id)).data[0]!;
    await client.responses.create({ model: 'openai/fake-llm', previous_response_id: first.id, input: [{ type: 'item_reference', id: message.id }] });
    expect(upstream.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: 'Remember me' }] });
    expect(await statusOf(client.responses.create({ model: 'openai/fake-llm', input: [{ type: 'item_reference', id: 'msg_nowhere' }] }))).toMatchObject({ status: 400, error: { param: 'input[0].id' } });
  });

  it('refuses bad requests with a 4xx naming the field', async () => {
    const unknownTool = await statusOf(client.responses.create({ model: 'openai/fake-llm', input: 'hi', tools: [{ type: 'code_interpreter_v9' } as never] }));
    expect(unknownTool.status).toBe(400);
    expect(String(unknownTool.error.param)).toContain('tools');
    const both = await statusOf(client.responses.create({ model: 'openai/fake-llm', input: 'hi', previous_response_id: 'resp_x', conversation: 'conv_' + '0'.repeat(48) }));
    expect(both).toMatchObject({ status: 400, error: { param: 'conversation' } });
    expect(await statusOf(client.responses.create({ model: 'openai/fake-llm', input: 'hi', previous_response_id: 'resp_missing' }))).toMatchObject({ status: 404, error: { param: 'previous_response_id' } });
    expect(await statusOf(client.responses.create({ model: 'no-such-model', input: 'hi' }))).toMatchObject({ status: 404, error: { param: 'model' } });
    expect(await statusOf(client.responses.retrieve('resp_missing'))).toMatchObject({ status: 404 });
  });

  it('lists and deletes responses with llama-stack-client', async () => {
    const stack = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    const created = await stack.responses.create({ model: 'openai/fake-llm', input: 'Listed' });
    const page = await stack.responses.list({ limit: 100 });
    expect(page.data.some((response) => response.id === created.id)).toBe(true);
    const deleted = await stack.responses.delete(created.id);
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    expect(await statusOf(stack.responses.retrieve(created.id))).toMatchObject({ status: 404 });
  });
});
