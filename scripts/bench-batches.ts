/**
 * `pnpm bench batches`: lines per second through a batch of chat completions, against the rate
 * of the same requests sent straight to the upstream at the same concurrency.
 *
 * The fake OpenAI upstream (@cria/testing) runs in a process of its own, Cria in another (the
 * built packages, a distribution with remote::openai, inline::localfs and the batches provider
 * inline::reference). The direct run sends the requests from this process, `--concurrency` at a
 * time; the batch run uploads the same requests as a JSONL file, creates a batch whose
 * `max_concurrent_requests_per_batch` is that concurrency, and times it from creation until it is
 * `completed` (validation, every line, the stored results and the output file included).
 * The two runs take turns for `--rounds` rounds, so drift falls on both alike; the medians are
 * compared. Target: the batch runs at least 80% of the direct rate.
 *
 * Options: --lines <n> (default 10000), --concurrency <n> (default 10, Llama Stack's default),
 * --rounds <n> (default 3).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, FormData, request } from 'undici';
import { startProcess } from './child-process-start.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { lines: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } } });
const LINES = Number(values.lines);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** CPU seconds (user + system, every thread) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const dispatcher = new Agent({ connections: CONCURRENCY * 2, keepAliveTimeout: 60_000 });

async function call(url: string, method: 'GET' | 'POST', body?: unknown): Promise<any> {
  const reply = await request(url, { method, dispatcher, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await reply.body.text();
  if (reply.statusCode !== 200) throw new Error(`${method} ${url} answered ${reply.statusCode}: ${text}`);
  return JSON.parse(text);
}

const chatBody = (index: number) => ({ model: 'fake-llm', messages: [{ role: 'user', content: `Summarize item ${index} in one line.` }], max_tokens: 32 });

/** `count` requests, `concurrency` in flight; returns requests per second. */
async function directRate(url: string, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await call(url, 'POST', chatBody(next++));
  }));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const upstream = await startProcess(['--import', 'tsx', join(root, 'scripts/bench-fake-upstream.ts')], /listening on/);
const upstreamUrl = upstream.line.match(/listening on (\S+)/)![1]!;
const dir = mkdtempSync(join(tmpdir(), 'cria-bench-batches-'));
const distribution = join(dir, 'distribution.yaml');
writeFileSync(
  distribution,
  `version: 2
distro_name: bench-batches
apis: [inference, files, batches]
providers:
  inference:
    - provider_id: bench
      provider_type: remote::openai
      config: { base_url: "${upstreamUrl}", api_key: bench }
  files:
    - provider_id: localfs
      provider_type: inline::localfs
      config: { storage_dir: "${join(dir, 'files')}", metadata_store: { backend: sql_default, table_name: files_metadata } }
  batches:
    - provider_id: reference
      provider_type: inline::reference
      config: { kvstore: { backend: kv_default, namespace: batches }, max_concurrent_requests_per_batch: ${CONCURRENCY} }
storage:
  backends:
    kv_default: { type: kv_sqlite, db_path: "${join(dir, 'kv.db')}" }
    sql_default: { type: sql_sqlite, db_path: "${join(dir, 'sql.db')}" }
  stores:
    metadata: { namespace: registry, backend: kv_default }
registered_resources:
  models:
    - { model_id: fake-llm, provider_id: bench, model_type: llm }
`,
);
const cria = await startProcess(['--import', 'tsx', join(root, 'scripts/bench-gateway-server.ts'), '--distribution', distribution], /serving on/);
const criaUrl = cria.line.match(/serving on (\S+)/)![1]!;

try {
  // Warm both paths (connections, JIT) before timing.
  await directRate(`${upstreamUrl}/chat/completions`, 500, CONCURRENCY);
  await directRate(`${criaUrl}/v1/chat/completions`, 500, CONCURRENCY);
  const jsonl = Array.from({ length: LINES }, (_, index) => JSON.stringify({ custom_id: `line-${index}`, method: 'POST', url: '/v1/chat/completions', body: chatBody(index) })).join('\n');
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob([jsonl], { type: 'application/jsonl' }), 'bench.jsonl');
  const uploaded = await request(`${criaUrl}/v1/files`, { method: 'POST', dispatcher, body: form });
  const file = (await uploaded.body.json()) as { id: string };

  let batchCpu = 0;
  let directCpu = 0;
  /** One batch of the file, timed from creation until `completed`; returns lines per second. */
  const batchRate = async (): Promise<number> => {
    const cpuBefore = cpuSeconds(cria.child.pid!);
    const start = process.hrtime.bigint();
    const created = await call(`${criaUrl}/v1/batches`, 'POST', { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    let batch = created;
    while (!['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      batch = await call(`${criaUrl}/v1/batches/${created.id}`, 'GET');
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    batchCpu += cpuSeconds(cria.child.pid!) - cpuBefore;
    if (batch.status !== 'completed' || batch.request_counts.completed !== LINES) throw new Error(`the batch ended ${batch.status}: ${JSON.stringify(batch.request_counts ?? batch.errors)}`);
    const output = await request(`${criaUrl}/v1/files/${batch.output_file_id}/content`, { dispatcher });
    const outputLines = new Set((await output.body.text()).split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { custom_id: string }).custom_id)).size;
    if (outputLines !== LINES) throw new Error(`the output file has ${outputLines} distinct lines, not ${LINES}`);
    return LINES / seconds;
  };

  const directRates: number[] = [];
  const batchRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cpuBefore = process.cpuUsage();
    directRates.push(await directRate(`${upstreamUrl}/chat/completions`, LINES, CONCURRENCY));
    const cpu = process.cpuUsage(cpuBefore);
    directCpu += (cpu.user + cpu.system) / 1e6;
    batchRates.push(await batchRate());
  }
  const median = (rates: number[]) => [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  const direct = median(directRates);
  const throughBatch = median(batchRates);
  const each = (rates: number[]) => rates.map((rate) => rate.toFixed(0)).join(', ');

  console.log(`\n${LINES} chat completions, ${CONCURRENCY} at a time, on the fake upstream (loopback); ${ROUNDS} rounds, the paths taking turns\n`);
  console.log('| path | median requests/s | each round |\n| --- | --- | --- |');
  console.log(`| direct to the upstream | ${direct.toFixed(0)} | ${each(directRates)} |`);
  console.log(`| through a batch (create to completed, output file written) | ${throughBatch.toFixed(0)} | ${each(batchRates)} |`);
  const perLine = (cpuSeconds: number) => ((cpuSeconds / (LINES * ROUNDS)) * 1e6).toFixed(0);
  console.log(`\nCPU per request: ${perLine(batchCpu)} µs in Cria for a batch line (every thread: routers, upstream client, stored results, files), ${perLine(directCpu)} µs in this process for a direct request (its HTTP client)`);
  console.log(`\nbatch / direct: ${((throughBatch / direct) * 100).toFixed(1)}% (target: at least 80%)`);
} finally {
  await stop(cria.child);
  await stop(upstream.child);
  await dispatcher.close();
  rmSync(dir, { recursive: true, force: true });
}
