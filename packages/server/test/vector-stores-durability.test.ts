import type { ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageBackends } from '@cria/core';
import { type CliServer, FakeOpenAIUpstream, startCliServer, startTestServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';

const POLL = { pollIntervalMs: 20 };
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

/** Words enough for `count` chunks of 100 tokens (each paragraph is distinct, so are its vectors). */
function longText(paragraphs: number): string {
  return Array.from({ length: paragraphs }, (_, index) => `Paragraph ${index}: the herd of llamas number ${index} walked across the high plateau at dawn, grazing quietly.`).join('\n');
}

async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('vector stores across restarts', () => {
  let upstream: FakeOpenAIUpstream;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
  });
  afterAll(async () => {
    await upstream?.close();
    data.remove();
  });

  it('keeps stores, files, chunks and statuses, and resumes ingestion a stop interrupted', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir);
    const first = await startTestServer({ distribution, dataDir: data.dir });
    let client = new OpenAI({ baseURL: first.baseURL, apiKey: 'none', maxRetries: 0 });
    const notes = await client.files.create({ file: await toFile(Buffer.from('Vicuñas are wild relatives of llamas.'), 'notes.txt'), purpose: 'assistants' });
    const broken = await client.files.create({ file: await toFile(Buffer.from('{"not": json'), 'broken.json'), purpose: 'assistants' });
    const long = await client.files.create({ file: await toFile(Buffer.from(longText(40)), 'long.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'durable', metadata: { owner: 'tests' } });
    await client.vectorStores.files.createAndPoll(store.id, { file_id: notes.id, attributes: { kind: 'notes' } }, POLL);
    const failed = await client.vectorStores.files.createAndPoll(store.id, { file_id: broken.id }, POLL);
    expect(failed).toMatchObject({ status: 'failed', last_error: { code: 'invalid_file', message: expect.stringContaining('not valid JSON') } });
    const before = await client.vectorStores.search(store.id, { query: 'Vicuñas are wild relatives of llamas.' });

    // A file whose embeddings hang when the server stops: it stays in_progress, to be resumed.
    upstream.fault({ kind: 'hang' }, 1, '/embeddings');
    await client.vectorStores.files.create(store.id, { file_id: long.id, chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } } });
    await waitFor(() => (upstream.inFlight > 0 ? true : undefined), 'the embeddings request');
    await first.close();

    const second = await startTestServer({ distribution, dataDir: data.dir });
    try {
      client = new OpenAI({ baseURL: second.baseURL, apiKey: 'none', maxRetries: 0 });
      const resumed = await client.vectorStores.files.poll(store.id, long.id, POLL);
      expect(resumed.status).toBe('completed');
      const reopened = await client.vectorStores.retrieve(store.id);
      expect(reopened).toMatchObject({ name: 'durable', metadata: { owner: 'tests' }, file_counts: { in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 } });
      expect(await client.vectorStores.files.retrieve(broken.id, { vector_store_id: store.id })).toMatchObject({ status: 'failed', last_error: { code: 'invalid_file' } });
      const after = await client.vectorStores.search(store.id, { query: 'Vicuñas are wild relatives of llamas.' });
      expect(after.data[0]).toEqual(before.data[0]);
      const chunks = await client.vectorStores.files.content(long.id, { vector_store_id: store.id });
      expect(chunks.data.length).toBeGreaterThan(3);
      expect(chunks.data.map((chunk) => chunk.text).join('')).toBe(longText(40));
      expect(await (await client.files.content(notes.id)).text()).toBe('Vicuñas are wild relatives of llamas.');
    } finally {
      await second.close();
    }
  });

  it('ingests a file again after a crash between inserting its chunks and completing it, replacing them rather than adding to them', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir);
    const text = longText(20);
    const first = await startTestServer({ distribution, dataDir: data.dir });
    let client = new OpenAI({ baseURL: first.baseURL, apiKey: 'none', maxRetries: 0 });
    const file = await client.files.create({ file: await toFile(Buffer.from(text), 'herd.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'crashed' });
    const chunking = { type: 'static' as const, static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } };
    expect(await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id, chunking_strategy: chunking }, POLL)).toMatchObject({ status: 'completed' });
    const before = (await client.vectorStores.files.content(file.id, { vector_store_id: store.id })).data.map((chunk) => chunk.text);
    await first.close();

    // What a crash after the provider's insert, before the file's row said `completed`, leaves.
    const storage = new StorageBackends({ sql_default: { type: 'sql_sqlite', db_path: join(data.dir, 'sql_store.db') } });
    try {
      const sql = await storage.sql({ backend: 'sql_default', table_name: 'vector_stores' });
      expect(await sql.update('vector_stores_files', { status: 'in_progress' }, { vector_store_id: store.id, file_id: file.id })).toBe(1);
    } finally {
      await storage.close();
    }

    const embeddingsBefore = upstream.requests.filter((request) => request.path === '/embeddings').length;
    const second = await startTestServer({ distribution, dataDir: data.dir });
    try {
      client = new OpenAI({ baseURL: second.baseURL, apiKey: 'none', maxRetries: 0 });
      expect(await client.vectorStores.files.poll(store.id, file.id, POLL)).toMatchObject({ status: 'completed' });
      // It was ingested again (embedded anew), not just marked completed.
      expect(upstream.requests.filter((request) => request.path === '/embeddings').length).toBeGreaterThan(embeddingsBefore);
      expect((await client.vectorStores.retrieve(store.id)).file_counts).toEqual({ in_progress: 0, completed: 1, failed: 0, cancelled: 0, total: 1 });
      const after = (await client.vectorStores.files.content(file.id, { vector_store_id: store.id })).data.map((chunk) => chunk.text);
      expect(after).toEqual(before);
      expect(after.join('')).toBe(text);
      const found = await client.vectorStores.search(store.id, { query: before[1]!, max_num_results: 2 });
      expect(found.data).toHaveLength(2);
      expect(found.data[0]!.content[0]!.text).toBe(before[1]);
      expect(found.data[1]!.content[0]!.text).not.toBe(before[1]);
    } finally {
      await second.close();
    }
  });
});

/** The built CLI serving `configPath` (killed when the test ends). */
function startCli(configPath: string): Promise<CliServer> {
  return startCliServer(cli, configPath, { cwd: root });
}

/** How the process ended: its exit code, or the signal that ended it. */
function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

describe('vector stores after kill -9', () => {
  let upstream: FakeOpenAIUpstream;
  const data = temporaryDirectory();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await upstream?.close();
    data.remove();
  });

  it('resumes the file whose ingestion was killed, and lists no half-uploaded file', async () => {
    const configPath = join(data.dir, 'cria.yaml');
    // JSON is YAML too.
    writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'killed', ...vectorStoresDistribution(upstream.url, data.dir) }));
    const first = await startCli(configPath);
    children.push(first.child);
    let client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const text = longText(400);
    const big = await client.files.create({ file: await toFile(Buffer.from(text), 'big.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'killed' });

    // Slow embeddings: the file is mid-ingestion when the server is killed.
    upstream.fault({ kind: 'slow_first_byte', delayMs: 60_000 }, 5, '/embeddings');
    const attached = await client.vectorStores.files.create(store.id, { file_id: big.id });
    expect(attached.status).toBe('in_progress');
    await waitFor(() => (upstream.inFlight > 0 ? true : undefined), 'the embeddings request');

    // And an upload half sent: its first bytes are on disk when the server dies.
    const { port } = new URL(first.url);
    const boundary = 'cria-test-boundary';
    const upload = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/files', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': '1000000' } });
    upload.on('error', () => undefined);
    upload.write(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.txt"\r\n\r\n`);
    upload.write('x'.repeat(200_000));
    await waitFor(() => (readdirSync(join(data.dir, 'files')).some((name) => name.endsWith('.tmp')) ? true : undefined), 'the partial upload on disk');

    first.child.kill('SIGKILL');
    await exited(first.child);
    upstream.clearFaults();

    const second = await startCli(configPath);
    children.push(second.child);
    client = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const resumed = await client.vectorStores.files.poll(store.id, big.id, POLL);
    expect(resumed).toMatchObject({ status: 'completed', last_error: null });
    expect((await client.vectorStores.retrieve(store.id)).file_counts).toEqual({ in_progress: 0, completed: 1, failed: 0, cancelled: 0, total: 1 });
    const chunks = await client.vectorStores.files.content(big.id, { vector_store_id: store.id });
    const firstChunk = chunks.data[0]!.text!;
    const found = await client.vectorStores.search(store.id, { query: firstChunk, max_num_results: 1 });
    expect(found.data[0]).toMatchObject({ file_id: big.id, content: [{ type: 'text', text: firstChunk }] });
    expect(found.data[0]!.score).toBeCloseTo(1, 5);

    const files = await client.files.list();
    expect(files.data.map((file) => file.filename)).toEqual(['big.txt']);
    expect(readdirSync(join(data.dir, 'files')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // A clean stop after writes and searches: the writer and reader threads close their
    // databases before they end (a native handle freed at teardown would abort the process).
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(second.stderr()).not.toMatch(/Assertion failed|Segmentation fault|Uncaught|unhandled/i);
  });
});
