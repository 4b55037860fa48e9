import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cria/testing';
import { type McpTestServer, startMcpTestServer } from './mcp-test-server.js';

const PROVIDER_ID = 'model-context-protocol';
const METADATA_URL = 'http://169.254.169.254/mcp';

function distribution(outbound?: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apis: ['tool_runtime'],
    providers: { tool_runtime: [{ provider_id: PROVIDER_ID, provider_type: 'remote::model-context-protocol', config: { connect_timeout_seconds: 2, call_timeout_seconds: 2 } }] },
    ...(outbound ? { server: { outbound } } : {}),
    ...extra,
  };
}

/** The `error` object of the OpenAI envelope a client call failed with, and the status. */
async function failure(call: Promise<unknown>): Promise<{ status: number | undefined; error: { type: string; message: string; param: string | null; code: string | null } }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof LlamaStackClient.APIError)) throw error;
    return { status: error.status, error: (error.error as { error: { type: string; message: string; param: string | null; code: string | null } }).error };
  }
  throw new Error('the call succeeded');
}

// llama-stack-client 0.7.3 has no tool runtime resources any more; its generic get/post send the
// requests (Llama Stack 0.2's routes) and map the replies as for any resource.
function registerToolGroup(client: LlamaStackClient, toolgroupId: string, uri: string): Promise<unknown> {
  return client.post('/v1/toolgroups', { body: { toolgroup_id: toolgroupId, provider_id: PROVIDER_ID, mcp_endpoint: { uri } } });
}

function listTools(client: LlamaStackClient, query: Record<string, string>): Promise<{ data: { name: string }[] }> {
  return client.get('/v1/tool-runtime/list-tools', { query });
}

describe('MCP server URLs through the outbound guard (llama-stack-client)', () => {
  let mcp: McpTestServer;
  beforeAll(async () => {
    mcp = await startMcpTestServer({ transport: 'streamable_http' });
  });
  afterAll(async () => {
    await mcp?.close();
  });

  describe('with the default rules', () => {
    let server: TestServer;
    let client: LlamaStackClient;
    beforeAll(async () => {
      server = await startTestServer({ distribution: distribution() });
      client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('refuses to register a tool group whose mcp_endpoint is a cloud metadata address', async () => {
      expect(await failure(registerToolGroup(client, 'mcp::metadata', METADATA_URL))).toEqual({
        status: 400,
        error: {
          type: 'invalid_request_error',
          param: 'mcp_endpoint.uri',
          code: 'outbound_url_refused',
          message: 'refused: 169.254.169.254 is in 169.254.0.0/16 (link-local and cloud metadata addresses are refused by default; allow it under server.outbound.allow)',
        },
      });
      expect((await failure(client.get('/v1/toolgroups/mcp::metadata'))).status).toBe(404);
    });

    it('refuses to list a link-local MCP server named directly, in any spelling', async () => {
      for (const uri of [METADATA_URL, 'http://[::ffff:169.254.169.254]/mcp', 'http://2852039166/mcp', 'http://[fe80::1]:9000/mcp', 'http://0.0.0.0:9000/mcp']) {
        const refused = await failure(listTools(client, { mcp_endpoint: uri }));
        expect(refused.status).toBe(400);
        expect(refused.error).toMatchObject({ type: 'invalid_request_error', param: 'mcp_endpoint', code: 'outbound_url_refused', message: expect.stringMatching(/^refused: .* is in (169\.254\.0\.0\/16|fe80::\/10|0\.0\.0\.0\/8) /) });
      }
      const notHttp = await failure(listTools(client, { mcp_endpoint: 'file:///etc/passwd' }));
      expect(notHttp).toMatchObject({ status: 400, error: { param: 'mcp_endpoint', code: 'invalid_url' } });
    });

    it('allows an MCP server on loopback', async () => {
      expect((await listTools(client, { mcp_endpoint: mcp.url })).data.map((tool) => tool.name)).toContain('add');
      await registerToolGroup(client, 'mcp::local', mcp.url);
      expect((await listTools(client, { tool_group_id: 'mcp::local' })).data.map((tool) => tool.name)).toContain('add');
    });
  });

  describe('with server.outbound.deny naming 127.0.0.1 and localhost', () => {
    let server: TestServer;
    let client: LlamaStackClient;
    beforeAll(async () => {
      server = await startTestServer({ distribution: distribution({ deny: ['localhost', '127.0.0.1'] }) });
      client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('refuses the local MCP server without connecting to it', async () => {
      const before = mcp.requests.length;
      expect(await failure(listTools(client, { mcp_endpoint: mcp.url }))).toEqual({
        status: 400,
        error: { type: 'invalid_request_error', param: 'mcp_endpoint', code: 'outbound_url_refused', message: "refused: 127.0.0.1 is in '127.0.0.1' of server.outbound.deny" },
      });
      const registered = await failure(registerToolGroup(client, 'mcp::local', mcp.url));
      expect(registered.error).toMatchObject({ param: 'mcp_endpoint.uri', code: 'outbound_url_refused' });
      const byName = await failure(listTools(client, { mcp_endpoint: mcp.url.replace('127.0.0.1', 'localhost') }));
      expect(byName.error).toMatchObject({ param: 'mcp_endpoint', code: 'outbound_url_refused', message: "refused: the host localhost matches 'localhost' of server.outbound.deny" });
      expect(mcp.requests.length).toBe(before);
    });
  });

  it('lets server.outbound.allow name a link-local host the defaults refuse', async () => {
    const server = await startTestServer({ distribution: distribution({ allow: ['169.254.169.254'] }) });
    try {
      const client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
      // Registration does not connect; the group is accepted.
      await registerToolGroup(client, 'mcp::metadata', METADATA_URL);
      expect(await client.get('/v1/toolgroups/mcp::metadata')).toMatchObject({ identifier: 'mcp::metadata', mcp_endpoint: { uri: METADATA_URL } });
    } finally {
      await server.close();
    }
  });

  it('fails to start a distribution that registers a refused MCP server, or has a bad outbound entry, naming the path', async () => {
    const refusedGroup = distribution(undefined, { registered_resources: { tool_groups: [{ toolgroup_id: 'mcp::metadata', provider_id: PROVIDER_ID, mcp_endpoint: { uri: METADATA_URL } }] } });
    await expect(startTestServer({ distribution: refusedGroup })).rejects.toMatchObject({ kind: 'config', path: 'registered_resources.tool_groups[0]', message: expect.stringContaining('refused: 169.254.169.254 is in 169.254.0.0/16') });
    await expect(startTestServer({ distribution: distribution({ deny: ['localhost', '10.0.0.0/8', '10.0.0.0/33'] }) })).rejects.toMatchObject({
      kind: 'config',
      path: 'server.outbound.deny[2]',
      message: expect.stringContaining("'10.0.0.0/33' is not a CIDR range: the prefix length is 0 to 32"),
    });
  });
});
