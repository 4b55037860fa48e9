import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import { type McpTestServer, PIXEL_PNG, startMcpTestServer, startSilentServer } from './mcp-test-server.js';

const PROVIDER_ID = 'model-context-protocol';

function distribution(extra: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apis: ['tool_runtime'],
    providers: { tool_runtime: [{ provider_id: PROVIDER_ID, provider_type: 'remote::model-context-protocol', config: { connect_timeout_seconds: 2, call_timeout_seconds: 1, ...config } }] },
    ...extra,
  };
}

/** A JSON request to the test server: the status and the parsed body. */
async function call(server: TestServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls until `check` passes (list_changed arrives asynchronously), for at most 3 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const names = (tools: { name: string }[]) => tools.map((tool) => tool.name).sort();
const BUILT_IN = ['add', 'echo', 'fail', 'link', 'picture', 'slow'];

describe('tool_runtime with remote::model-context-protocol (Streamable HTTP)', () => {
  let mcp: McpTestServer;
  let server: TestServer;

  beforeAll(async () => {
    mcp = await startMcpTestServer({ transport: 'streamable_http' });
    server = await startTestServer({ distribution: distribution() });
  });
  afterAll(async () => {
    await server?.close();
    await mcp?.close();
  });

  it('registers a tool group with an mcp_endpoint and lists, gets and unregisters it', async () => {
    const registered = await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::scratch', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url }, args: { purpose: 'test' } });
    expect(registered).toEqual({ status: 200, body: null });
    const group = { identifier: 'mcp::scratch', provider_resource_id: 'mcp::scratch', provider_id: PROVIDER_ID, type: 'tool_group', mcp_endpoint: { uri: mcp.url }, args: { purpose: 'test' } };
    expect((await call(server, 'GET', '/v1/toolgroups')).body.data).toContainEqual(group);
    expect(await call(server, 'GET', '/v1/toolgroups/mcp::scratch')).toEqual({ status: 200, body: group });
    // The same registration again is a no-op; different fields are a conflict.
    expect((await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::scratch', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url }, args: { purpose: 'test' } })).status).toBe(200);
    expect((await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::scratch', provider_id: PROVIDER_ID, mcp_endpoint: { uri: `${mcp.url}/other` } })).status).toBe(409);
    expect(await call(server, 'DELETE', '/v1/toolgroups/mcp::scratch')).toEqual({ status: 200, body: null });
    const gone = await call(server, 'GET', '/v1/toolgroups/mcp::scratch');
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ type: 'invalid_request_error', param: 'toolgroup_id', code: 'tool_group_not_found' });
    expect(gone.body.error.message).toContain("Tool Group 'mcp::scratch' not found");
  });

  it('lists the server\'s tools as ToolDefs, through /v1/tools and /v1/tool-runtime/list-tools', async () => {
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    const tools = await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::calc');
    expect(tools.status).toBe(200);
    expect(names(tools.body.data)).toEqual(BUILT_IN);
    const add = tools.body.data.find((tool: { name: string }) => tool.name === 'add');
    expect(add).toMatchObject({
      toolgroup_id: 'mcp::calc',
      name: 'add',
      description: 'Adds two numbers.',
      input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      metadata: { endpoint: mcp.url },
    });
    expect(names((await call(server, 'GET', '/v1/tools')).body.data)).toEqual(expect.arrayContaining(BUILT_IN));
    expect(await call(server, 'GET', '/v1/tools/add')).toEqual({ status: 200, body: add });
    const runtime = await call(server, 'GET', '/v1/tool-runtime/list-tools?tool_group_id=mcp::calc');
    expect(runtime.status).toBe(200);
    expect(runtime.body.data).toContainEqual(add);
    const direct = await call(server, 'GET', `/v1/tool-runtime/list-tools?mcp_endpoint=${encodeURIComponent(mcp.url)}`);
    expect(direct.status).toBe(200);
    expect(direct.body.data.find((tool: { name: string }) => tool.name === 'add')).toEqual({ ...add, toolgroup_id: null });
  });

  it('invokes tools: text results, images, `group/tool` names and tool errors', async () => {
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    expect(await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 2, b: 3 } })).toEqual({
      status: 200,
      body: { content: [{ type: 'text', text: '5' }], error_code: 0, error_message: null, metadata: null },
    });
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'mcp::calc/add', kwargs: { a: 1, b: 1 } })).body.content).toEqual([{ type: 'text', text: '2' }]);
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'picture', kwargs: {} })).body.content).toEqual([{ type: 'image', image: { data: PIXEL_PNG } }]);
    // A resource link has no Llama Stack content item: it is left out (and logged).
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'link', kwargs: {} })).body.content).toEqual([{ type: 'text', text: 'see the notes' }]);
    const failed = await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'fail', kwargs: {} });
    expect(failed).toEqual({ status: 200, body: { content: [{ type: 'text', text: 'the tool failed on purpose' }], error_code: 1, error_message: 'the tool failed on purpose', metadata: null } });
    // Arguments the tool's schema refuses are the tool's error, reported the same way.
    const invalid = await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 'two' } });
    expect(invalid.status).toBe(200);
    expect(invalid.body.error_code).toBe(1);
  });

  it('answers 404 in the error envelope for unknown groups and tools, and 400 for bad registrations', async () => {
    const unknownTool = await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'no-such-tool', kwargs: {} });
    expect(unknownTool.status).toBe(404);
    expect(unknownTool.body.error).toMatchObject({ param: 'tool_name', code: 'tool_not_found' });
    expect((await call(server, 'GET', '/v1/tools/no-such-tool')).status).toBe(404);
    expect((await call(server, 'GET', '/v1/tools?toolgroup_id=nope')).body.error).toMatchObject({ param: 'toolgroup_id' });
    expect((await call(server, 'DELETE', '/v1/toolgroups/nope')).status).toBe(404);
    expect((await call(server, 'GET', '/v1/tool-runtime/list-tools?tool_group_id=nope')).status).toBe(404);
    const noProvider = await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'x', provider_id: 'nope', mcp_endpoint: { uri: mcp.url } });
    expect(noProvider.status).toBe(400);
    expect(noProvider.body.error.param).toBe('provider_id');
    const noEndpoint = await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'x', provider_id: PROVIDER_ID });
    expect(noEndpoint.status).toBe(400);
    expect(noEndpoint.body.error.param).toBe('mcp_endpoint');
    expect((await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'x', provider_id: PROVIDER_ID, mcp_endpoint: { uri: 'file:///etc/passwd' } })).status).toBe(400);
    expect((await call(server, 'GET', '/v1/tool-runtime/list-tools')).status).toBe(400);
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add' })).status).toBe(400);
  });

  it('refreshes its cached tool list when the server sends notifications/tools/list_changed', async () => {
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    const before = mcp.requests.length;
    expect(names((await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::calc')).body.data)).not.toContain('greet');
    // Listed from the cache: the server sees no request.
    await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::calc');
    expect(mcp.requests.length).toBe(before);
    mcp.addTool('greet', 'hello');
    await eventually(async () => {
      expect(names((await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::calc')).body.data)).toContain('greet');
    });
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'greet', kwargs: {} })).body.content).toEqual([{ type: 'text', text: 'hello' }]);
  });

  it('sends mcp_headers from X-LlamaStack-Provider-Data and the authorization token to the server', async () => {
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    const providerData = JSON.stringify({ mcp_headers: { [mcp.url]: { 'X-Test': 'from-provider-data' }, 'http://elsewhere.test/mcp': { 'X-Test': 'not-this-one' } } });
    const echoed = await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'echo', kwargs: { text: 'hi' }, authorization: 'token-123' }, { 'x-llamastack-provider-data': providerData });
    expect(echoed.body.content).toEqual([{ type: 'text', text: 'hi' }, { type: 'text', text: 'x-test: from-provider-data' }]);
    expect(mcp.requests.at(-1)).toMatchObject({ authorization: 'Bearer token-123', 'x-test': 'from-provider-data' });
    const both = JSON.stringify({ mcp_headers: { [mcp.url]: { Authorization: 'Bearer a' } } });
    const refused = await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'echo', kwargs: { text: 'hi' }, authorization: 'b' }, { 'x-llamastack-provider-data': both });
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe('authorization');
  });

  it('opens a new session when the server has forgotten its own (a restart)', async () => {
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 1, b: 1 } })).status).toBe(200);
    await mcp.forgetSessions();
    expect(await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 2, b: 2 } })).toMatchObject({ status: 200, body: { content: [{ type: 'text', text: '4' }] } });
  });

  it('fails a call that outlasts call_timeout_seconds with 504 naming the server', async () => {
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    const slow = await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'slow', kwargs: {} });
    expect(slow.status).toBe(504);
    expect(slow.body.error.message).toContain(mcp.url);
    // The server still answers the next call.
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 1, b: 2 } })).body.content).toEqual([{ type: 'text', text: '3' }]);
  });
});

describe('tool_runtime with remote::model-context-protocol (SSE, authentication, servers down)', () => {
  let server: TestServer;
  const servers: McpTestServer[] = [];

  beforeAll(async () => {
    server = await startTestServer({ distribution: distribution() });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((mcp) => mcp.close()));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('falls back to SSE for a server that only speaks SSE', async () => {
    const mcp = await startMcpTestServer({ transport: 'sse' });
    servers.push(mcp);
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::sse', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    expect(names((await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::sse')).body.data)).toEqual(BUILT_IN);
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'mcp::sse/add', kwargs: { a: 20, b: 22 } })).body.content).toEqual([{ type: 'text', text: '42' }]);
    mcp.addTool('late_tool', 'here');
    await eventually(async () => {
      expect(names((await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::sse')).body.data)).toContain('late_tool');
    });
    await call(server, 'DELETE', '/v1/toolgroups/mcp::sse');
  });

  it('answers 401 when the server wants credentials, and passes with the token', async () => {
    const mcp = await startMcpTestServer({ transport: 'streamable_http', token: 'secret' });
    servers.push(mcp);
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::locked', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    const refused = await call(server, 'GET', '/v1/tool-runtime/list-tools?tool_group_id=mcp::locked');
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain(mcp.url);
    const listed = await call(server, 'GET', '/v1/tool-runtime/list-tools?tool_group_id=mcp::locked&authorization=secret');
    expect(listed.status).toBe(200);
    expect(names(listed.body.data)).toEqual(BUILT_IN);
    await call(server, 'DELETE', '/v1/toolgroups/mcp::locked');
  });

  it('answers 504 naming a server that accepts connections but never answers, within connect_timeout_seconds', async () => {
    const silent = await startSilentServer();
    try {
      await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::silent', provider_id: PROVIDER_ID, mcp_endpoint: { uri: silent.url } });
      const started = Date.now();
      const listing = await call(server, 'GET', '/v1/tool-runtime/list-tools?tool_group_id=mcp::silent');
      expect(listing.status).toBe(504);
      expect(listing.body.error.message).toContain(silent.url);
      // connect_timeout_seconds is 2 here (the bound leaves a slow machine room); the SSE
      // fallback (a GET) is not tried after a timeout.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(silent.methods).toEqual(['POST']);
      await call(server, 'DELETE', '/v1/toolgroups/mcp::silent');
    } finally {
      await silent.close();
    }
  });

  it('answers 503 naming a server that is down, and leaves its group out of the full listing', async () => {
    const mcp = await startMcpTestServer({ transport: 'streamable_http' });
    const url = mcp.url;
    await mcp.close();
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::down', provider_id: PROVIDER_ID, mcp_endpoint: { uri: url } });
    const listing = await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::down');
    expect(listing.status).toBe(503);
    expect(listing.body.error).toMatchObject({ type: 'api_error', code: 'mcp_server_unavailable' });
    expect(listing.body.error.message).toContain(url);
    expect((await call(server, 'GET', '/v1/tool-runtime/list-tools?tool_group_id=mcp::down')).status).toBe(503);
    expect((await call(server, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 1, b: 2 } })).status).toBe(503);
    expect(await call(server, 'GET', '/v1/tools')).toEqual({ status: 200, body: { data: [] } });
    await call(server, 'DELETE', '/v1/toolgroups/mcp::down');
  });
});

describe('tool groups in the registry', () => {
  let mcp: McpTestServer;
  const data = temporaryDirectory();

  beforeAll(async () => {
    mcp = await startMcpTestServer({ transport: 'streamable_http' });
  });
  afterAll(async () => {
    await mcp?.close();
    data.remove();
  });

  it('keeps a registered tool group across a restart on the same data', async () => {
    const first = await startTestServer({ distribution: distribution(), dataDir: data.dir });
    await call(first, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::kept', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    await first.close();
    const second = await startTestServer({ distribution: distribution(), dataDir: data.dir });
    try {
      expect((await call(second, 'GET', '/v1/toolgroups/mcp::kept')).body).toMatchObject({ identifier: 'mcp::kept', mcp_endpoint: { uri: mcp.url } });
      expect((await call(second, 'POST', '/v1/tool-runtime/invoke', { tool_name: 'add', kwargs: { a: 4, b: 4 } })).body.content).toEqual([{ type: 'text', text: '8' }]);
    } finally {
      await second.close();
    }
  });

  it('ends its sessions with the MCP server when it shuts down', async () => {
    const server = await startTestServer({ distribution: distribution() });
    await call(server, 'POST', '/v1/toolgroups', { toolgroup_id: 'mcp::ending', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } });
    const before = mcp.openSessions();
    expect((await call(server, 'GET', '/v1/tools?toolgroup_id=mcp::ending')).status).toBe(200);
    expect(mcp.openSessions()).toBe(before + 1);
    await server.close();
    await eventually(async () => expect(mcp.openSessions()).toBe(before));
  });

  it('registers the distribution\'s registered_resources.tool_groups at start', async () => {
    const server = await startTestServer({
      distribution: distribution({ registered_resources: { tool_groups: [{ toolgroup_id: 'mcp::configured', provider_id: PROVIDER_ID, mcp_endpoint: { uri: mcp.url } }] } }),
    });
    try {
      expect((await call(server, 'GET', '/v1/toolgroups')).body.data).toEqual([
        { identifier: 'mcp::configured', provider_resource_id: 'mcp::configured', provider_id: PROVIDER_ID, type: 'tool_group', mcp_endpoint: { uri: mcp.url }, args: null },
      ]);
      expect(names((await call(server, 'GET', '/v1/tools')).body.data)).toEqual(BUILT_IN);
    } finally {
      await server.close();
    }
  });
});
