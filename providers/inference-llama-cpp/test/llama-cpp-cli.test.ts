import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { temporaryDirectory, writeTinyModel } from '@cria/testing';
import { formatLocalModels, listLocalModels, pullModel } from '../src/llama-cpp-cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Collects what a command writes. */
function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1: the model API, `resolve` URLs that redirect
 * to a CDN path with the file's sha256 and size (as the Hub does), Range requests, and a switch
 * that breaks the next download off half-way.
 */
class FakeHub {
  server!: Server;
  url = '';
  readonly ranges: (string | undefined)[] = [];
  breakNextDownloadAt: number | null = null;
  corrupt = false;

  constructor(private readonly model: Buffer) {}

  get sha256(): string {
    return createHash('sha256').update(this.model).digest('hex');
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '';
    if (path === '/api/models/tiny/llama-GGUF') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ siblings: [{ rfilename: 'README.md' }, { rfilename: 'llama-Q4_K_M.gguf' }, { rfilename: 'llama-Q8_0.gguf' }] }));
      return;
    }
    if (path === '/api/models/tiny/embed') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ siblings: Object.keys(ONNX_REPOSITORY).map((rfilename) => ({ rfilename })) }));
      return;
    }
    if (path.startsWith('/tiny/embed/resolve/main/')) {
      const body = ONNX_REPOSITORY[decodeURIComponent(path.slice('/tiny/embed/resolve/main/'.length))];
      if (body === undefined) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-length': String(Buffer.byteLength(body)), 'x-linked-etag': `"${createHash('sha256').update(body).digest('hex')}"` }).end(body);
      return;
    }
    if (path.startsWith('/tiny/llama-GGUF/resolve/main/')) {
      response.writeHead(302, { location: `/cdn/${path.split('/').pop()}`, 'x-linked-etag': `"${this.corrupt ? 'f'.repeat(64) : this.sha256}"`, 'x-linked-size': String(this.model.length) });
      response.end();
      return;
    }
    if (path.startsWith('/cdn/') || path === '/files/plain.gguf') {
      this.ranges.push(request.headers.range);
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const body = this.model.subarray(start);
      response.writeHead(range ? 206 : 200, {
        'content-length': String(body.length),
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${start}-${this.model.length - 1}/${this.model.length}` } : {}),
      });
      if (this.breakNextDownloadAt !== null) {
        const cut = this.breakNextDownloadAt;
        this.breakNextDownloadAt = null;
        response.write(body.subarray(0, cut), () => setTimeout(() => response.socket?.destroy(), 20));
        return;
      }
      response.end(body);
      return;
    }
    response.writeHead(404).end();
  }
}

/** A sentence-transformers repository as the Hub lists it: its ONNX export beside files Cria does not read. */
const ONNX_REPOSITORY: Record<string, string> = {
  'config.json': '{"model_type":"bert"}',
  'tokenizer.json': '{"model":{}}',
  'modules.json': '[]',
  '1_Pooling/config.json': '{"pooling_mode_mean_tokens":true}',
  'onnx/model.onnx': 'graph bytes',
  'onnx/model.onnx_data': 'weight bytes',
  'onnx/model_quantized.onnx': 'other graph',
  'model.safetensors': 'torch weights',
  'README.md': '# embed',
};

describe('cria pull and cria models', () => {
  let hub: FakeHub;
  let model: Buffer;
  let models: ReturnType<typeof temporaryDirectory>;

  beforeAll(async () => {
    const temp = temporaryDirectory('cria-hub-');
    model = readFileSync(writeTinyModel({ path: join(temp.dir, 'source.gguf') }).path);
    temp.remove();
    hub = new FakeHub(model);
    await hub.start();
    process.env.HF_ENDPOINT = hub.url;
  });
  beforeEach(() => {
    models?.remove();
    models = temporaryDirectory('cria-pull-');
    hub.corrupt = false;
  });
  afterAll(async () => {
    models?.remove();
    await hub?.close();
    delete process.env.HF_ENDPOINT;
  });

  it('pulls hf:<owner>/<repo>:<quant> through the redirect, verifies its sha256 and lists it', async () => {
    const stdout = sink();
    const stderr = sink();
    expect(await pullModel('hf:tiny/llama-GGUF:q8_0', { modelsDir: models.dir, stdout, stderr })).toBe(0);
    const target = join(models.dir, 'hf_tiny_llama-GGUF.Q8_0.gguf');
    expect(readFileSync(target).equals(model)).toBe(true);
    expect(stdout.text).toContain('sha256 verified');
    expect(stdout.text).toContain('provider_model_id: hf:tiny/llama-GGUF:q8_0');
    // Not a terminal: progress comes as lines with size, speed and ETA.
    expect(stderr.text).toMatch(/100% .*kB \/ .*kB .*\/s {2}ETA/);
    const listed = listLocalModels(models.dir);
    expect(listed).toEqual([expect.objectContaining({ file: 'hf_tiny_llama-GGUF.Q8_0.gguf', bytes: model.length, status: 'ready' })]);
    expect(formatLocalModels(models.dir, listed)).toMatch(/hf_tiny_llama-GGUF\.Q8_0\.gguf\s+\d+\.\d kB\s+ready/);
    // A second pull finds it there.
    const again = sink();
    expect(await pullModel('hf:tiny/llama-GGUF:Q8_0', { modelsDir: models.dir, stdout: again, stderr: sink() })).toBe(0);
    expect(again.text).toContain('already present');
  });

  it('pulls onnx:<owner>/<repo>: the ONNX export and its configs into <models dir>/<name>/, nothing else', async () => {
    const stdout = sink();
    expect(await pullModel('onnx:tiny/embed', { modelsDir: models.dir, name: 'embed-small', stdout, stderr: sink() })).toBe(0);
    const folder = join(models.dir, 'embed-small');
    for (const file of ['config.json', 'tokenizer.json', 'modules.json', '1_Pooling/config.json', 'onnx/model.onnx', 'onnx/model.onnx_data']) expect(readFileSync(join(folder, file), 'utf8')).toBe(ONNX_REPOSITORY[file]);
    for (const file of ['onnx/model_quantized.onnx', 'model.safetensors', 'README.md']) expect(existsSync(join(folder, file))).toBe(false);
    expect(stdout.text).toContain('Use it as the model id: embed-small');
    const missing = sink();
    expect(await pullModel('onnx:tiny/llama-GGUF', { modelsDir: models.dir, stdout: sink(), stderr: missing })).toBe(1);
    expect(missing.text).toContain('has no ONNX export (onnx/model.onnx)');
    const outside = sink();
    expect(await pullModel('onnx:tiny/embed', { modelsDir: models.dir, name: '../elsewhere', stdout: sink(), stderr: outside })).toBe(1);
    expect(outside.text).toContain('inside the models directory');
  });

  it('resumes an interrupted download with a Range request', async () => {
    hub.ranges.length = 0;
    hub.breakNextDownloadAt = 100_000;
    const stderr = sink();
    expect(await pullModel('hf:tiny/llama-GGUF', { modelsDir: models.dir, stdout: sink(), stderr })).toBe(1);
    expect(stderr.text).toContain('run the same command again to resume');
    const part = join(models.dir, 'hf_tiny_llama-GGUF.Q4_K_M.gguf.part');
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(100_000);
    expect(listLocalModels(models.dir)[0]).toMatchObject({ status: 'incomplete' });
    expect(await pullModel('hf:tiny/llama-GGUF', { modelsDir: models.dir, stdout: sink(), stderr: sink() })).toBe(0);
    expect(hub.ranges).toEqual([undefined, `bytes=${kept}-`]);
    expect(existsSync(part)).toBe(false);
    expect(readFileSync(join(models.dir, 'hf_tiny_llama-GGUF.Q4_K_M.gguf')).equals(model)).toBe(true);
  });

  it('rejects a download whose sha256 does not match, and pulls plain URLs by size', async () => {
    hub.corrupt = true;
    const stderr = sink();
    expect(await pullModel('hf:tiny/llama-GGUF/llama-Q8_0.gguf', { modelsDir: models.dir, stdout: sink(), stderr })).toBe(1);
    expect(stderr.text).toMatch(/corrupt \(sha256 [0-9a-f]{64}, expected f{64}\)/);
    expect(listLocalModels(models.dir)).toEqual([]);
    const stdout = sink();
    expect(await pullModel(`${hub.url}/files/plain.gguf`, { modelsDir: models.dir, stdout, stderr: sink() })).toBe(0);
    expect(stdout.text).toContain('size verified');
    expect(statSync(join(models.dir, 'plain.gguf')).size).toBe(model.length);
  });

  it('says in one line when the network is not reachable, from the cria command', async () => {
    // A port that was just free: nothing listens there, the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = spawnSync(process.execPath, [join(root, 'packages/cli/dist/cria.js'), 'pull', 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M', '--models-dir', models.dir], {
      env: { ...process.env, HF_ENDPOINT: `http://127.0.0.1:${port}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(lines[0]).toMatch(/: the network is not reachable; copy the model to .*hf_Qwen_Qwen2\.5-0\.5B-Instruct-GGUF\.Q4_K_M\.gguf/);
    const listing = spawnSync(process.execPath, [join(root, 'packages/cli/dist/cria.js'), 'models', '--models-dir', join(models.dir, 'empty')], { encoding: 'utf8' });
    expect(listing.stdout).toContain('No models in');
  });

  it('says so when a host name does not resolve', async () => {
    const stderr = sink();
    expect(await pullModel('https://no-such-host.invalid/model.gguf', { modelsDir: models.dir, stdout: sink(), stderr })).toBe(1);
    expect(stderr.text).toMatch(/^error: cannot reach no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\): the network is not reachable/);
  });
});
