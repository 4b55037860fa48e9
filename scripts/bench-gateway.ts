/**
 * `pnpm bench gateway`: what Cria adds on the hot path, against the fake OpenAI upstream on
 * loopback, with wrk as the load tool. Prints requests/s direct and through Cria at 50
 * connections, server CPU per proxied request as a ratio to a bare node:http + undici proxy
 * measured in the same run, the CPU cost of a no-op hook, what the telemetry module costs
 * (with tracing off: no OTEL_* variables; and on: OTLP http/protobuf to a local receiver),
 * added p50 and p99 latency at 1 connection, added time to first streamed byte, cold start
 * (this distribution and the starter with every API) to the first healthy response, and idle RSS.
 *
 * Options: --duration <seconds> (per wrk run, default 10), --connections <n> (default 50),
 * --telemetry-rounds <n> (rounds of the telemetry comparison, default 12, the servers loaded together for
 * half of --duration a round), --telemetry-rate <n> (requests/s offered to each server of the
 * telemetry comparison, in place of wrk's saturating load), --only telemetry (just the telemetry rows).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';
import { startProcess } from './child-process-start.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, 'telemetry-rounds': { type: 'string', default: '12' }, 'telemetry-rate': { type: 'string' }, only: { type: 'string' } } });
if (values.only !== undefined && values.only !== 'telemetry') {
  console.error(`--only takes \`telemetry\`, not \`${values.only}\``);
  process.exit(2);
}
const duration = Number(values.duration);
const connections = Number(values.connections);
const telemetryRounds = Number(values['telemetry-rounds']);
const telemetryRate = values['telemetry-rate'] === undefined ? undefined : Number(values['telemetry-rate']);
if (telemetryRate !== undefined && !(telemetryRate > 0)) {
  console.error(`--telemetry-rate takes a number of requests per second, not \`${values['telemetry-rate']}\``);
  process.exit(2);
}
const CLK_TCK = 100;
/** No-op hooks of each kind on the hooked server: enough that their cost stands out of the noise. */
const NOOP_HOOKS_PER_KIND = 20;

const CHAT_BODY = JSON.stringify({ model: 'fake-llm', messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 16 });

function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.error('wrk is not installed; trying apt-get install -y wrk ...');
  const result = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('Install wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) and run again.');
    process.exit(1);
  }
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU time of every thread of a process, in seconds, to the nanosecond (the scheduler's own count, not clock ticks). */
function preciseCpuSeconds(pid: number): number {
  let nanoseconds = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return nanoseconds / 1e9;
}

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/**
 * wrk's script that makes each request a chat completion, written on first use. Every wrk run
 * needs it: without its script wrk still runs, sending GETs (the chat completions list).
 */
let chatScriptPath: string | undefined;
function chatScript(): string {
  if (chatScriptPath === undefined) {
    chatScriptPath = join(tmpdir(), 'cria-bench-chat.lua');
    writeFileSync(chatScriptPath, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(CHAT_BODY)}\nwrk.headers["Content-Type"] = "application/json"\n`);
  }
  return chatScriptPath;
}

function wrk(url: string, connectionCount: number, seconds: number): WrkResult {
  const script = chatScript();
  const result = spawnSync('wrk', ['-t', '1', '-c', String(connectionCount), '-d', `${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const output = result.stdout;
  const number = (pattern: RegExp) => Number(output.match(pattern)?.[1] ?? NaN);
  const toMs = (text: string | undefined) => {
    if (!text) return NaN;
    const value = Number.parseFloat(text);
    return text.endsWith('us') ? value / 1000 : text.endsWith('ms') ? value : text.endsWith('s') ? value * 1000 : value;
  };
  const errors = (output.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? '0') as string;
  const socketErrors = output.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: toMs(output.match(/\s50%\s+([\d.]+\w+)/)?.[1]),
    p99Ms: toMs(output.match(/\s99%\s+([\d.]+\w+)/)?.[1]),
    requests: number(/(\d+) requests in/),
    errors: Number(errors) + (socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0),
  };
}

/** Median time from sending a streaming request to its first body byte, over `count` requests. */
async function firstByteMs(url: string, model: string, count: number): Promise<number> {
  const samples: number[] = [];
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Stream this please' }], stream: true });
  for (let index = 0; index < count; index++) {
    const start = process.hrtime.bigint();
    const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for await (const _chunk of response.body) {
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      break;
    }
    await response.body.dump();
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function waitHealthy(url: string, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      const response = await request(`${url}/v1/health`);
      await response.body.dump();
      if (response.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error('server did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The telemetry provider as the starter has it (the OTEL_* variables decide what it exports). */
const TELEMETRY_SECTION = `  telemetry:
    - provider_id: meta-reference
      provider_type: inline::meta-reference
      config:
        service_name: cria-bench
`;

/**
 * A local OTLP/HTTP receiver in its own process (the benchmark's blocks while wrk runs) that
 * accepts every export; GET /count answers how many it received.
 */
const OTLP_SINK = `
const { createServer } = require('node:http');
let count = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(count));
  req.resume();
  req.once('end', () => { count++; res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(); });
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

function distributionYaml(upstreamUrl: string, dataDir: string, telemetry = false): string {
  return `version: 2
distro_name: bench
providers:
  inference:
    - provider_id: fake
      provider_type: remote::openai
      config:
        base_url: ${upstreamUrl}
        api_key: bench
${telemetry ? TELEMETRY_SECTION : ''}registered_resources:
  models:
    - model_id: fake-llm
      provider_id: fake
storage:
  backends:
    kv_default: { type: kv_sqlite, db_path: ${dataDir}/kvstore.db }
    sql_default: { type: sql_sqlite, db_path: ${dataDir}/sql_store.db }
  stores:
    metadata: { namespace: registry, backend: kv_default }
    inference: { table_name: inference_store, backend: sql_default }
`;
}

/** CPU seconds a process spends while `load` runs, per request it served. */
function cpuPerRequestUs(pid: number, load: () => WrkResult): { result: WrkResult; us: number } {
  const before = cpuSeconds(pid);
  const result = load();
  return { result, us: ((cpuSeconds(pid) - before) / result.requests) * 1e6 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

type TelemetryVariant = 'none' | 'off' | 'on';

function spread(values: readonly number[]): string {
  return `${Math.min(...values).toFixed(3)}-${Math.max(...values).toFixed(3)}`;
}

/** wrk without blocking, so two loads run at once. */
function wrkAsync(url: string, connectionCount: number, seconds: number): Promise<number> {
  const script = chatScript();
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t', '1', '-c', String(connectionCount), '-d', `${seconds}s`, '-s', script, url]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(Number(output.match(/(\d+) requests in/)?.[1] ?? NaN)));
  });
}

/** Loads servers at once for `seconds`; answers how many requests each served. A warm-up may run late (the servers are still compiling). */
type ServersLoad = (urls: readonly string[], seconds: number, warmUp?: boolean) => Promise<number[]>;

/** wrk at saturation, the connections shared out. */
const saturatingLoad: ServersLoad = (urls, seconds) => {
  const share = Math.max(1, Math.round(connections / urls.length));
  return Promise.all(urls.map((url) => wrkAsync(url, share, seconds)));
};

/**
 * `perSecond` chat completions a second offered to each server, whichever answers first: the
 * servers are not saturated, so each serves its requests as they come rather than many per turn
 * of its event loop. The servers take turns at being sent to first. A server that cannot keep
 * up (past the warm-up), or answers an error, fails the run.
 */
function fixedRateLoad(perSecond: number): ServersLoad {
  return async (urls, seconds, warmUp = false) => {
    const pools = urls.map((url) => new Pool(new URL(url).origin, { connections: 32 }));
    const served = urls.map(() => 0);
    const failures: string[] = [];
    const pending = new Set<Promise<void>>();
    const send = (index: number) => {
      const sent = pools[index]!.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: CHAT_BODY }).then(
        async (response) => {
          await response.body.dump();
          if (response.statusCode === 200) served[index]!++;
          else failures.push(`${urls[index]} answered ${response.statusCode}`);
        },
        (error: Error) => void failures.push(`${urls[index]}: ${error.message}`),
      );
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    };
    const startedAt = performance.now();
    let sentCount = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = (performance.now() - startedAt) / 1000;
        if (elapsed >= seconds) return resolve();
        for (const due = Math.floor(elapsed * perSecond); sentCount < due; sentCount++) {
          for (let turn = 0; turn < urls.length; turn++) send((sentCount + turn) % urls.length);
        }
        setImmediate(tick);
      };
      tick();
    });
    const stoppedAt = performance.now();
    await Promise.all(pending);
    await Promise.all(pools.map((pool) => pool.close()));
    if (failures.length > 0) throw new Error(`fixed-rate load failed: ${failures.slice(0, 3).join('; ')}`);
    if (!warmUp && performance.now() - stoppedAt > 1000) throw new Error(`the servers did not keep up with ${perSecond} requests/s each; give a lower --telemetry-rate`);
    return served;
  };
}

/**
 * What telemetry costs, as ratios of server CPU per request (the scheduler's count of every
 * thread): tracing off against no module, tracing on against off, and no module against a second
 * no-module server (the control: what the method cannot tell apart). Each server has its own
 * data directory and is warmed with a full run first (a server short of tens of thousands of
 * requests is still compiling, tracing on most). The four servers are loaded at the same time,
 * each with the same share (`load`), so the machine's drift (10% or more on the same server from
 * one minute to the next) and its momentary contention fall on all alike, and each has the same
 * history: a server left idle while others were loaded measured ~10% dearer than its twin. The
 * median of each ratio over `rounds` rounds is its figure.
 */
async function telemetryComparison(serverScript: string, variants: Record<TelemetryVariant, { distribution: string; env: NodeJS.ProcessEnv }>, dataDir: string, load: ServersLoad, rounds: number, warmSeconds: number, seconds: number): Promise<{ control: number[]; off: number[]; on: number[]; children: ChildProcess[] }> {
  const start = async (variant: TelemetryVariant, port: number) => {
    const directory = join(dataDir, `telemetry-${port}`);
    mkdirSync(directory);
    const file = join(directory, 'distribution.yaml');
    writeFileSync(file, readFileSync(variants[variant].distribution, 'utf8').replaceAll(dataDir, directory));
    const server = await startProcess(['--import', 'tsx', serverScript, '--distribution', file, '--port', String(port)], /serving on/, variants[variant].env);
    return { pid: server.child.pid!, child: server.child, url: `http://127.0.0.1:${port}/v1/chat/completions` };
  };
  // In this order: no module, its twin (the control), tracing off, tracing on.
  const servers = [await start('none', 18_490), await start('none', 18_491), await start('off', 18_492), await start('on', 18_493)];
  const urls = servers.map((server) => server.url);
  await load(urls, 2 * warmSeconds, true);
  const ratios = { control: [] as number[], off: [] as number[], on: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const before = servers.map((server) => preciseCpuSeconds(server.pid));
    const served = await load(urls, seconds);
    const [none, control, off, on] = servers.map((server, index) => (preciseCpuSeconds(server.pid) - before[index]!) / served[index]!) as [number, number, number, number];
    ratios.control.push(control / none);
    ratios.off.push(off / none);
    ratios.on.push(on / off);
  }
  return { ...ratios, children: servers.map((server) => server.child) };
}

/** The telemetry comparison (see `telemetryComparison`), tracing on exporting to a local OTLP sink, as the report's rows. */
async function measureTelemetry(serverScript: string, distribution: string, telemetryDistribution: string, dataDir: string): Promise<{ rows: [string, string, string][]; children: ChildProcess[] }> {
  const withoutOtel = Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith('OTEL_')).map((name) => [name, undefined]));
  const otlpSink = await startProcess(['-e', OTLP_SINK], /listening on/);
  const otlpSinkUrl = otlpSink.line.match(/(http:\/\/\S+)/)![1]!;
  const variants: Record<TelemetryVariant, { distribution: string; env: NodeJS.ProcessEnv }> = {
    none: { distribution, env: withoutOtel },
    off: { distribution: telemetryDistribution, env: withoutOtel },
    on: { distribution: telemetryDistribution, env: { ...withoutOtel, OTEL_EXPORTER_OTLP_ENDPOINT: otlpSinkUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' } },
  };
  const load: ServersLoad = telemetryRate === undefined ? saturatingLoad : fixedRateLoad(telemetryRate);
  const comparison = await telemetryComparison(serverScript, variants, dataDir, load, telemetryRounds, duration, Math.max(2, Math.round(duration / 2)));
  const spanExports = await (await request(`${otlpSinkUrl}/count`)).body.text();
  const rows: [string, string, string][] = [
    ['control: no module vs no module', `${telemetryLoadName()}; ratios by round: ${comparison.control.map((value) => value.toFixed(3)).join(', ')}`, `median ratio ${median(comparison.control).toFixed(3)}, spread ${spread(comparison.control)} (the resolution of the two rows below)`],
    ['telemetry module, tracing off (no OTEL_*)', `ratios to no module by round: ${comparison.off.map((value) => value.toFixed(3)).join(', ')}`, `median ratio ${median(comparison.off).toFixed(3)} (target <= 1.03)`],
    ['tracing on (OTLP http/protobuf, local receiver)', `ratios to tracing off by round: ${comparison.on.map((value) => value.toFixed(3)).join(', ')} (${spanExports} exports received)`, `median ratio ${median(comparison.on).toFixed(3)} (target <= 1.25)`],
  ];
  return { rows, children: [otlpSink.child, ...comparison.children] };
}

function telemetryLoadName(): string {
  return telemetryRate === undefined ? `wrk, ${connections} connections shared by the four servers` : `${telemetryRate} requests/s offered to each of the four servers`;
}

function printRows(rows: [string, string, string][]): void {
  const width = Math.max(...rows.map((row) => row[0].length));
  const width2 = Math.max(...rows.map((row) => row[1].length));
  for (const [name, measured, verdict] of rows) console.log(`${name.padEnd(width)}  ${measured.padEnd(width2)}  ${verdict}`);
}

async function main(): Promise<void> {
  ensureWrk();
  const dataDir = mkdtempSync(join(tmpdir(), 'cria-bench-'));
  const upstream = await startProcess(['--import', 'tsx', join(root, 'scripts/bench-fake-upstream.ts')], /listening on/);
  const upstreamUrl = upstream.line.match(/(http:\/\/\S+)/)![1]!;
  const distribution = join(dataDir, 'bench.yaml');
  writeFileSync(distribution, distributionYaml(upstreamUrl, dataDir));
  const telemetryDistribution = join(dataDir, 'bench-telemetry.yaml');
  writeFileSync(telemetryDistribution, distributionYaml(upstreamUrl, dataDir, true));
  const cli = join(root, 'packages/cli/dist/cria.js');
  const serverScript = join(root, 'scripts/bench-gateway-server.ts');
  if (values.only === 'telemetry') {
    const telemetry = await measureTelemetry(serverScript, distribution, telemetryDistribution, dataDir);
    for (const child of [upstream.child, ...telemetry.children]) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    console.log(`\nCria telemetry cost (${telemetryLoadName()}, ${telemetryRounds} rounds)\n`);
    printRows(telemetry.rows);
    return;
  }

  // Cold start: spawn to first healthy answer, median of 5, for this distribution and for the starter (every API).
  const coldStart = async (target: string, firstPort: number): Promise<number[]> => {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const port = firstPort + run;
      const start = performance.now();
      const child = spawn(process.execPath, [cli, 'run', target, '--port', String(port), '--host', '127.0.0.1'], { cwd: root, env: { ...process.env, CRIA_LOG_LEVEL: 'error', SQLITE_STORE_DIR: join(dataDir, `starter-${run}`) }, stdio: 'ignore' });
      await waitHealthy(`http://127.0.0.1:${port}`, 20_000);
      times.push(performance.now() - start);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    return times.sort((a, b) => a - b);
  };
  const coldStarts = await coldStart(distribution, 18_400);
  const starterColdStarts = await coldStart('starter', 18_410);

  // Idle memory of `cria run` itself (the benchmark's servers below run under tsx, which adds its own).
  const idle = await startProcess([cli, 'run', distribution, '--port', '18479', '--host', '127.0.0.1'], /serving/);
  await waitHealthy('http://127.0.0.1:18479', 10_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleRss = rssMegabytes(idle.child.pid!);
  idle.child.kill('SIGTERM');

  const cria = await startProcess(['--import', 'tsx', serverScript, '--distribution', distribution, '--port', '18480'], /serving on/);
  const criaUrl = 'http://127.0.0.1:18480';
  await waitHealthy(criaUrl, 10_000);
  const hooked = await startProcess(['--import', 'tsx', serverScript, '--distribution', distribution, '--port', '18481', '--noop-hooks', String(NOOP_HOOKS_PER_KIND)], /serving on/);
  const hookedUrl = 'http://127.0.0.1:18481';

  const reference = await startProcess(['--import', 'tsx', join(root, 'scripts/bench-reference-proxy.ts'), '--upstream', upstreamUrl], /listening on/);
  const referenceUrl = `${reference.line.match(/(http:\/\/\S+)/)![1]!}/`;

  const direct = `${upstreamUrl}/chat/completions`;
  const through = `${criaUrl}/v1/chat/completions`;
  const throughHooks = `${hookedUrl}/v1/chat/completions`;
  // Warm every path (JIT, keep-alive pools) before measuring.
  for (const url of [direct, through, throughHooks, referenceUrl]) wrk(url, connections, 2);

  const directLoad = wrk(direct, connections, duration);
  const criaLoad = cpuPerRequestUs(cria.child.pid!, () => wrk(through, connections, duration));
  const referenceLoad = cpuPerRequestUs(reference.child.pid!, () => wrk(referenceUrl, connections, duration));
  const hookedLoad = cpuPerRequestUs(hooked.child.pid!, () => wrk(throughHooks, connections, duration));
  // The same server again after the hooked one, so drift between runs shows up in the hook figure's error.
  const criaAgain = cpuPerRequestUs(cria.child.pid!, () => wrk(through, connections, duration));
  const telemetry = await measureTelemetry(serverScript, distribution, telemetryDistribution, dataDir);

  const directSingle = wrk(direct, 1, duration);
  const criaSingle = wrk(through, 1, duration);
  const referenceSingle = wrk(referenceUrl, 1, duration);

  await firstByteMs(direct, 'fake-llm', 50);
  await firstByteMs(through, 'fake/fake-llm', 50);
  const directFirstByte = await firstByteMs(direct, 'fake-llm', 300);
  const criaFirstByte = await firstByteMs(through, 'fake/fake-llm', 300);
  const rssAfterLoad = rssMegabytes(cria.child.pid!);

  for (const child of [cria.child, hooked.child, reference.child, upstream.child, ...telemetry.children]) child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });

  const criaCpu = (criaLoad.us + criaAgain.us) / 2;
  const cpuRatio = criaCpu / referenceLoad.us;
  const hookCount = NOOP_HOOKS_PER_KIND * 6;
  // onError hooks do not run on a successful request; the five others do.
  const hooksRun = NOOP_HOOKS_PER_KIND * 5;
  const perHookUs = (hookedLoad.us - criaCpu) / hooksRun;
  const rows: [string, string, string][] = [
    ['requests/s at 50 connections', `direct ${directLoad.requestsPerSecond.toFixed(0)} / Cria ${criaLoad.result.requestsPerSecond.toFixed(0)} / bare proxy ${referenceLoad.result.requestsPerSecond.toFixed(0)}`, `${((criaLoad.result.requestsPerSecond / directLoad.requestsPerSecond) * 100).toFixed(1)}% of direct (target >= 40%)`],
    ['server CPU per proxied chat completion', `Cria ${criaCpu.toFixed(1)} us (runs: ${criaLoad.us.toFixed(1)}, ${criaAgain.us.toFixed(1)}) / bare node:http + undici proxy ${referenceLoad.us.toFixed(1)} us`, `ratio ${cpuRatio.toFixed(3)} (target <= 1.10)`],
    ['no-op hook cost', `${hookCount} no-op hooks (${NOOP_HOOKS_PER_KIND} of each kind): ${hookedLoad.us.toFixed(1)} us per request`, `${perHookUs.toFixed(2)} us per hook run (target <= 5 us)`],
    ...telemetry.rows,
    ['p50 latency at 1 connection', `direct ${directSingle.p50Ms.toFixed(3)} ms / Cria ${criaSingle.p50Ms.toFixed(3)} ms`, `added ${(criaSingle.p50Ms - directSingle.p50Ms).toFixed(3)} ms, bare proxy adds ${(referenceSingle.p50Ms - directSingle.p50Ms).toFixed(3)} ms (target <= 0.2 ms)`],
    ['p99 latency at 1 connection', `direct ${directSingle.p99Ms.toFixed(3)} ms / Cria ${criaSingle.p99Ms.toFixed(3)} ms`, `added ${(criaSingle.p99Ms - directSingle.p99Ms).toFixed(3)} ms, bare proxy adds ${(referenceSingle.p99Ms - directSingle.p99Ms).toFixed(3)} ms (target <= 1 ms)`],
    ['time to first streamed byte (median)', `direct ${directFirstByte.toFixed(3)} ms / Cria ${criaFirstByte.toFixed(3)} ms`, `added ${(criaFirstByte - directFirstByte).toFixed(3)} ms (target <= 1 ms)`],
    ['cold start to first healthy response', `this distribution: median ${coldStarts[2]!.toFixed(0)} ms (${coldStarts.map((value) => value.toFixed(0)).join(', ')})`, 'target <= 1500 ms'],
    ['cold start of the starter (every API)', `median ${starterColdStarts[2]!.toFixed(0)} ms (${starterColdStarts.map((value) => value.toFixed(0)).join(', ')})`, 'target <= 600 ms'],
    ['idle RSS of `cria run`', `${idleRss.toFixed(1)} MB (the benchmark's server after load, under tsx: ${rssAfterLoad.toFixed(1)} MB)`, 'target <= 120 MB'],
  ];
  const errors = directLoad.errors + criaLoad.result.errors + hookedLoad.result.errors + directSingle.errors + criaSingle.errors;
  console.log(`\nCria gateway benchmark (wrk, ${duration} s per run, loopback, ${connections} connections; p99 at ${connections} connections: direct ${directLoad.p99Ms.toFixed(2)} ms, Cria ${criaLoad.result.p99Ms.toFixed(2)} ms; errors: ${errors})\n`);
  printRows(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
