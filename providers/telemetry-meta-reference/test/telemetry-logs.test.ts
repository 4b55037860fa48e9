import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory } from '@cria/testing';
import { OtlpReceiver } from './otlp-receiver.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

const API_KEY = 'sk-proj-cria0secret0key0abcdef123456';
const CLIENT_TOKEN = 'client-bearer-token-0123456789';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

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
  afterAll(async () => {
    process.env = saved;
    await receiver?.close();
    await upstream?.close();
    data.remove();
  });

  it('writes JSON lines carrying the request id and trace id, and never a secret', async () => {
    const distribution = {
      version: 2,
      distro_name: 'logs',
      providers: {
        inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: API_KEY } }],
        telemetry: [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: {} }],
      },
      registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'openai' }] },
      storage: {
        backends: { kv_default: { type: 'kv_sqlite', db_path: join(data.dir, 'kv.db') }, sql_default: { type: 'sql_sqlite', db_path: join(data.dir, 'sql.db') } },
        stores: { metadata: { namespace: 'registry', backend: 'kv_default' } },
      },
    };
    const configPath = join(data.dir, 'distribution.yaml');
    writeFileSync(configPath, JSON.stringify(distribution));
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
    const lines = server
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
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
});
