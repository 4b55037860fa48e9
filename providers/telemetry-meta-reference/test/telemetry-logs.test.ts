import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory } from '@cria/testing';
import { type McpTestServer, startMcpTestServer } from '../../tool-runtime-model-context-protocol/test/mcp-test-server.js';
import { OtlpReceiver } from './otlp-receiver.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

const API_KEY = 'sk-proj-cria0secret0key0abcdef123456';
const CLIENT_TOKEN = 'client-bearer-token-0123456789';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** The JSON lines a server wrote on stderr. */
function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('structured logs of `cria run` with telemetry', () => {
  let upstream: FakeOpenAIUpstream;
  let receiver: OtlpReceiver;
  const data = temporaryDirectory();
  const saved = { ...process.env };

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: API_KEY });
    receiver = await OtlpReceiver.start();
    // The child process inherits the OTEL_* variables, as a user would set them.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '20';
  });
  /** A distribution of `providers` and the telemetry provider, in its own files; returns its path. */
  const writeDistribution = (name: string, providers: Record<string, unknown>, registered: Record<string, unknown> = {}): string => {
    const distribution = {
      version: 2,
      distro_name: name,
      providers: { ...providers, telemetry: [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: {} }] },
      registered_resources: registered,
      storage: {
        backends: { kv_default: { type: 'kv_sqlite', db_path: join(data.dir, `${name}-kv.db`) }, sql_default: { type: 'sql_sqlite', db_path: join(data.dir, `${name}-sql.db`) } },
        stores: { metadata: { namespace: 'registry', backend: 'kv_default' } },
      },
    };
    const path = join(data.dir, `${name}.yaml`);
    writeFileSync(path, JSON.stringify(distribution));
    return path;
  };

  afterAll(async () => {
    process.env = saved;
    await receiver?.close();
    await upstream?.close();
    data.remove();
  });

  it('writes JSON lines carrying the request id and trace id, and never a secret', async () => {
    const configPath = writeDistribution('logs', {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: API_KEY } }],
    }, { models: [{ model_id: 'fake-llm', provider_id: 'openai' }] });
    const server = await startCliServer(cli, configPath, { cwd: root });
    // The upstream refuses, quoting the key it was sent, as OpenAI's 401 does; Cria answers 502 and logs it.
    upstream.fault({ kind: 'status', status: 500, message: `Incorrect API key provided: ${API_KEY}` }, 1, '/chat/completions');
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${CLIENT_TOKEN}`,
        'x-llamastack-provider-data': JSON.stringify({ openai_api_key: API_KEY }),
        'x-request-id': 'req-logs-1',
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-request-id')).toBe('req-logs-1');
    await receiver.eventually(() => (receiver.trace(TRACE_ID).length > 0 ? true : undefined));
    const lines = jsonLines(server.stderr());
    const failure = lines.find((line) => line.message === 'upstream failure');
    expect(failure).toMatchObject({ level: 'warn', scope: 'cria', request_id: 'req-logs-1', trace_id: TRACE_ID, provider: 'openai', status: 500 });
    expect(failure!.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(String(failure!.error)).toContain('Incorrect API key provided: [redacted]');
    expect(typeof failure!.time).toBe('string');
    const output = server.stderr();
    expect(output).not.toContain(API_KEY);
    expect(output).not.toContain(CLIENT_TOKEN);
    server.child.kill('SIGTERM');
  });

  it("names the request, its trace and the span at hand on the lines providers write while serving it", async () => {
    const mcp: McpTestServer = await startMcpTestServer({ transport: 'streamable_http' });
    const goingDown: McpTestServer = await startMcpTestServer({ transport: 'streamable_http' });
    const configPath = writeDistribution('provider-logs', {
      tool_runtime: [{ provider_id: 'model-context-protocol', provider_type: 'remote::model-context-protocol', config: {} }],
    });
    const server = await startCliServer(cli, configPath, { cwd: root });
    try {
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      expect((await post('/v1/toolgroups', { toolgroup_id: 'mcp::calc', provider_id: 'model-context-protocol', mcp_endpoint: { uri: mcp.url } })).status).toBe(200);
      // A group registered while its server is up, which then goes down.
      expect((await post('/v1/toolgroups', { toolgroup_id: 'mcp::down', provider_id: 'model-context-protocol', mcp_endpoint: { uri: goingDown.url } })).status).toBe(200);
      await goingDown.close();

      // The MCP provider leaves a resource link out of a tool's result and says so, inside the tool call's span.
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const invoked = await post('/v1/tool-runtime/invoke', { tool_name: 'mcp::calc/link', kwargs: {} }, { 'x-request-id': 'req-tool-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      expect(invoked.status).toBe(200);
      expect(((await invoked.json()) as { content: unknown }).content).toEqual([{ type: 'text', text: 'see the notes' }]);
      // The core's tool router leaves a group whose server is down out of the full listing, and says so.
      const listTraceId = '5bf92f3577b34da6a3ce929d0e0e4737';
      const listed = await fetch(`${server.url}/v1/tools`, { headers: { 'x-request-id': 'req-tools-2', traceparent: `00-${listTraceId}-00f067aa0ba902b7-01` } });
      expect(listed.status).toBe(200);

      const spans = await receiver.eventually(() => {
        const call = receiver.trace(traceId).find((span) => span.name === 'execute_tool link');
        const request = receiver.trace(listTraceId).find((span) => span.name === 'GET /v1/tools');
        return call && request ? { call, request } : undefined;
      });
      const lines = jsonLines(server.stderr());
      const skipped = lines.find((line) => line.message === 'MCP content type not supported; left out of the result');
      expect(skipped).toMatchObject({ level: 'warn', type: 'resource_link', tool: 'link', request_id: 'req-tool-1', trace_id: traceId, span_id: spans.call.spanId });
      const leftOut = lines.find((line) => line.message === 'could not list the tools of a tool group; leaving them out');
      expect(leftOut).toMatchObject({ level: 'warn', toolgroup_id: 'mcp::down', request_id: 'req-tools-2', trace_id: listTraceId, span_id: spans.request.spanId });
    } finally {
      server.child.kill('SIGTERM');
      await mcp.close();
      await goingDown.close();
    }
  });
});
