/**
 * What `pnpm bench responses` and `pnpm bench safety` share: a scripted OpenAI-compatible
 * upstream on loopback, Cria in a child process, and timing of request paths taking turns.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startProcess } from './child-process-start.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How many times the scripted model calls `noop` before it answers (when offered tools). */
export const TOOL_CALLS = 3;

export async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : {};
}

/** A chat completions upstream: calls `noop` while the conversation has fewer than 3 tool results, else answers in 12 words. */
export function scriptedUpstream(req: IncomingMessage, res: ServerResponse, body: Record<string, any>): void {
  if (req.url?.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'bench-llm', object: 'model', created: 0, owned_by: 'bench' }] }));
    return;
  }
  const toolResults = (body.messages as { role: string }[]).filter((message) => message.role === 'tool').length;
  const callTool = Array.isArray(body.tools) && body.tools.length > 0 && toolResults < TOOL_CALLS;
  const words = 'The capital of France is Paris, a city on the Seine river.'.split(/(?= )/);
  const base = { id: 'chatcmpl-bench', created: 1, model: body.model };
  const usage = { prompt_tokens: 20, completion_tokens: callTool ? 5 : words.length, total_tokens: 20 + (callTool ? 5 : words.length) };
  const call = { id: `call_${toolResults}`, type: 'function', function: { name: 'noop', arguments: '{}' } };
  if (!body.stream) {
    const message = callTool ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: words.join('') };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: callTool ? 'tool_calls' : 'stop' }], usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Record<string, unknown>, finish: string | null) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let out = chunk({ role: 'assistant' }, null);
  if (callTool) out += chunk({ tool_calls: [{ index: 0, ...call }] }, null) + chunk({}, 'tool_calls');
  else out += words.map((word) => chunk({ content: word }, null)).join('') + chunk({}, 'stop');
  out += `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\ndata: [DONE]\n\n`;
  res.end(out);
}

export async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => void readBody(req).then((body) => scriptedUpstream(req, res, body)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function startCria(distribution: string): Promise<{ child: ChildProcess; url: string }> {
  const { child, line } = await startProcess(['--import', 'tsx', join(root, 'scripts/bench-gateway-server.ts'), '--distribution', distribution], /serving on \S+/);
  return { child, url: /serving on (\S+)/.exec(line)![1]! };
}

export async function post(url: string, body: unknown): Promise<void> {
  const reply = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await reply.body.text();
  if (reply.statusCode !== 200) throw new Error(`${url} answered ${reply.statusCode}: ${text}`);
}

/** A path to time: its name and one request. */
export interface BenchPath {
  name: string;
  run: () => Promise<void>;
}

/**
 * Median and p99 of each path's wall time in ms. Every path is warmed up first, then the paths
 * take turns, one request each per round, so that drift (JIT, GC, a busy neighbour) falls on all
 * of them alike rather than on whichever ran last.
 */
export async function timeInTurns(paths: readonly BenchPath[], options: { requests: number; warmup: number }): Promise<Map<string, { p50: number; p99: number }>> {
  for (const path of paths) for (let i = 0; i < options.warmup; i++) await path.run();
  const times = paths.map(() => [] as number[]);
  for (let i = 0; i < options.requests; i++) {
    for (const [index, path] of paths.entries()) {
      const start = process.hrtime.bigint();
      await path.run();
      times[index]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return new Map(
    paths.map((path, index) => {
      const sorted = times[index]!.sort((a, b) => a - b);
      return [path.name, { p50: sorted[Math.floor(sorted.length / 2)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! }];
    }),
  );
}


/**
 * Cria serving responses over the scripted upstream (model `bench-llm`), in a child process with
 * its own data directory; `providers` and `resources` are YAML lines (indented by two spaces)
 * added to the distribution's `providers` and `registered_resources`.
 */
export async function startResponsesCria(upstreamUrl: string, extra: { providers?: string; resources?: string } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cria-bench-'));
  const distribution = join(dir, 'distribution.yaml');
  writeFileSync(
    distribution,
    `version: 2
distro_name: bench
providers:
  inference:
    - { provider_id: bench, provider_type: remote::openai, config: { base_url: "${upstreamUrl}", api_key: bench } }
  responses:
    - provider_id: builtin
      provider_type: inline::builtin
      config: { persistence: { responses: { backend: sql_default, table_name: responses } } }
${extra.providers ?? ''}
storage:
  backends:
    kv_default: { type: kv_sqlite, db_path: "${join(dir, 'kv.db')}" }
    sql_default: { type: sql_sqlite, db_path: "${join(dir, 'sql.db')}" }
  stores:
    metadata: { namespace: registry, backend: kv_default }
registered_resources:
  models:
    - { model_id: bench-llm, provider_id: bench, model_type: llm }
${extra.resources ?? ''}
`,
  );
  const cria = await startCria(distribution);
  return {
    url: cria.url,
    close: async () => {
      cria.child.kill('SIGTERM');
      await new Promise((resolve) => cria.child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
