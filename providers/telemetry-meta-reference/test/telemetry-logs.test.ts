import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
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

  it('names the trace and span of background work on its lines: an eval job that fails', async () => {
    const configPath = writeDistribution('eval-logs', {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: API_KEY } }],
      datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { backend: 'kv_default' } } }],
      scoring: [{ provider_id: 'basic', provider_type: 'inline::basic' }],
      eval: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { kvstore: { backend: 'kv_default', namespace: 'eval' } } }],
    }, {
      models: [{ model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' }],
      datasets: [{ dataset_id: 'questions', provider_id: 'localfs', purpose: 'eval/question-answer', source: { type: 'rows', rows: [{ input_query: 'one', expected_answer: 'Echo: one' }] } }],
      benchmarks: [{ benchmark_id: 'echo-bench', dataset_id: 'questions', scoring_functions: ['basic::equality'] }],
    });
    const server = await startCliServer(cli, configPath, { cwd: root });
    try {
      // The model refuses the job's generation (a 400 is not retried), which fails the job after its request has been answered.
      upstream.fault({ kind: 'status', status: 400, message: 'This model does not take that prompt.' }, 1, '/chat/completions');
      const traceId = '6bf92f3577b34da6a3ce929d0e0e4738';
      const started = await fetch(`${server.url}/v1alpha/eval/benchmarks/echo-bench/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-eval-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ benchmark_config: { eval_candidate: { type: 'model', model: 'openai/fake-llm', sampling_params: { strategy: { type: 'greedy' }, max_tokens: 16 } } } }),
      });
      expect(started.status).toBe(200);
      const job = (await started.json()) as { job_id: string };
      const run = await receiver.eventually(() => receiver.trace(traceId).find((span) => span.name === 'run_eval'), 15_000);
      const failed = await receiver.eventually(() => jsonLines(server.stderr()).find((line) => line.message === 'eval job failed'));
      expect(failed).toMatchObject({ level: 'warn', job_id: job.job_id, trace_id: traceId, span_id: run.spanId });
      expect(String(failed!.error)).toContain('This model does not take that prompt.');
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  it('names the trace and span of background work on its lines: a batch cancelled while it runs', async () => {
    const configPath = writeDistribution('batch-logs', {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: API_KEY } }],
      files: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { storage_dir: join(data.dir, 'batch-files'), metadata_store: { backend: 'sql_default', table_name: 'files_metadata' } } }],
      batches: [{ provider_id: 'reference', provider_type: 'inline::reference', config: { kvstore: { backend: 'kv_default', namespace: 'batches' } } }],
    }, { models: [{ model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' }] });
    // A cancelled batch is said at info.
    const server = await startCliServer(cli, configPath, { cwd: root, env: { CRIA_LOG_LEVEL: 'info' } });
    try {
      // The batch's one line waits on a model that does not answer, until the batch is cancelled.
      upstream.fault({ kind: 'hang' }, 1, '/chat/completions');
      const form = new FormData();
      form.set('purpose', 'batch');
      form.set('file', new Blob([JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'openai/fake-llm', messages: [{ role: 'user', content: 'hi' }] } })]), 'input.jsonl');
      const file = (await (await fetch(`${server.url}/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
      const traceId = '7bf92f3577b34da6a3ce929d0e0e4739';
      const created = await fetch(`${server.url}/v1/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
      });
      expect(created.status).toBe(200);
      const batch = (await created.json()) as { id: string };
      // Cancelled once it runs (a batch still validating is cancelled before any span of its own).
      for (let polls = 0; ((await (await fetch(`${server.url}/v1/batches/${batch.id}`)).json()) as { status: string }).status !== 'in_progress'; polls++) {
        if (polls > 200) throw new Error('the batch never started');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect((await fetch(`${server.url}/v1/batches/${batch.id}/cancel`, { method: 'POST' })).status).toBe(200);
      const run = await receiver.eventually(() => receiver.trace(traceId).find((span) => span.name === 'process_batch'), 15_000);
      const cancelled = await receiver.eventually(() => jsonLines(server.stderr()).find((line) => line.message === 'a batch cancelled'));
      expect(cancelled).toMatchObject({ level: 'info', batch_id: batch.id, trace_id: traceId, span_id: run.spanId });
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  it('names the trace and span of background work on its lines: an ingestion whose embeddings are retried', async () => {
    const base = vectorStoresDistribution(upstream.url, data.dir) as { apis: string[]; providers: Record<string, unknown> };
    const distribution = {
      version: 2,
      distro_name: 'ingestion-logs',
      ...base,
      apis: [...base.apis, 'telemetry'],
      providers: {
        ...base.providers,
        inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: API_KEY } }],
        telemetry: [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: {} }],
      },
    };
    const configPath = join(data.dir, 'ingestion-logs.yaml');
    writeFileSync(configPath, JSON.stringify(distribution));
    const server = await startCliServer(cli, configPath, { cwd: root });
    try {
      const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
        (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<{ id: string }>;
      const form = new FormData();
      form.set('purpose', 'assistants');
      form.set('file', new Blob(['Llamas are members of the camelid family.']), 'llamas.txt');
      const file = (await (await fetch(`${server.url}/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
      const store = await post('/v1/vector_stores', { name: 'retried' });
      // The embedding model is overloaded once: the ingestion waits and tries again, and says so.
      upstream.fault({ kind: 'status', status: 503, message: 'The server is overloaded.' }, 1, '/embeddings');
      const traceId = '8bf92f3577b34da6a3ce929d0e0e473a';
      await post(`/v1/vector_stores/${store.id}/files`, { file_id: file.id }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      const ingestion = await receiver.eventually(() => receiver.trace(traceId).find((span) => span.name === 'ingest_file'), 15_000);
      expect(ingestion.attributes['cria.vector_store_file.status']).toBe('completed');
      const retried = jsonLines(server.stderr()).find((line) => line.message === 'embedding request failed; retrying');
      expect(retried).toMatchObject({ level: 'warn', attempt: 1, trace_id: traceId, span_id: ingestion.spanId });
    } finally {
      server.child.kill('SIGTERM');
    }
  });
});
