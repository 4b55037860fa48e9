import LlamaStackClient from 'llama-stack-client';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import { batchesDistribution, chatLines } from './batches-distribution.js';

type Batch = OpenAI.Batches.Batch;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function settled(client: OpenAI, batchId: string, timeoutMs = 15_000): Promise<Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (['completed', 'failed', 'cancelled', 'expired'].includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} is still ${batch.status}`);
    await sleep(25);
  }
}

async function fileLines(client: OpenAI, fileId: string): Promise<any[]> {
  const text = await (await client.files.content(fileId)).text();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

async function upload(client: OpenAI, text: string, purpose: 'batch' | 'user_data' = 'batch'): Promise<string> {
  return (await client.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose })).id;
}

describe('batches (inline::reference) through the openai client', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
    server = await startTestServer({ distribution: batchesDistribution(upstream.url, data.dir, { max_concurrent_requests_per_batch: 3 }), dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  it('runs chat completions to an output file and an error file, in OpenAI\'s shapes', async () => {
    const lines = `${chatLines(['a', 'b', 'c'])}\n\n${chatLines(['gone'], 'retired-llm')}\n`;
    const inputFileId = await upload(client, lines);
    const created = await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });
    expect(created).toMatchObject({ object: 'batch', status: 'validating', endpoint: '/v1/chat/completions', input_file_id: inputFileId, completion_window: '24h', metadata: { job: 'nightly' } });
    expect(created.id).toMatch(/^batch_[0-9a-f]{16}$/);
    expect(created.expires_at).toBe(created.created_at + 86_400);

    const done = await settled(client, created.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 4, completed: 3, failed: 1 });
    expect(done.in_progress_at).toBeGreaterThanOrEqual(done.created_at);
    expect(done.finalizing_at).toBeGreaterThanOrEqual(done.in_progress_at!);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.finalizing_at!);
    expect(done.errors).toBeUndefined();

    const output = await fileLines(client, done.output_file_id!);
    expect(output.map((line) => line.custom_id).sort()).toEqual(['a', 'b', 'c']);
    for (const line of output) {
      expect(line).toMatchObject({ id: expect.stringMatching(/^batch_req_/), error: null, response: { status_code: 200, request_id: expect.any(String), body: { object: 'chat.completion' } } });
      expect(line.response.body.choices[0].message.content).toBe(`Echo: line ${line.custom_id}`);
    }
    const errors = await fileLines(client, done.error_file_id!);
    expect(errors).toEqual([{ id: expect.any(String), custom_id: 'gone', error: null, response: { status_code: 404, request_id: expect.any(String), body: { error: expect.objectContaining({ code: 'model_not_found' }) } } }]);
    expect((await client.files.retrieve(done.output_file_id!)).purpose).toBe('batch_output');
    expect((await client.files.retrieve(done.error_file_id!)).purpose).toBe('batch_output');

    await expect(client.batches.cancel(created.id)).rejects.toMatchObject({ status: 409 });
  });

  it('fails a batch at validation with every line error as OpenAI reports them, and runs none', async () => {
    const before = upstream.requests.length;
    const lines = [
      '{"custom_id": "broken", ',
      JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'fake-llm', messages: [] } }),
      JSON.stringify({ custom_id: 'twice', method: 'POST', url: '/v1/chat/completions', body: { model: 'fake-llm', messages: [] } }),
      JSON.stringify({ custom_id: 'twice', method: 'POST', url: '/v1/chat/completions', body: { model: 'fake-llm', messages: [] } }),
      JSON.stringify({ custom_id: 'get', method: 'GET', url: '/v1/chat/completions', body: { model: 'fake-llm', messages: [] } }),
      JSON.stringify({ custom_id: 'elsewhere', method: 'POST', url: '/v1/embeddings', body: { model: 'fake-llm', messages: [] } }),
      JSON.stringify({ custom_id: 'no-model', method: 'POST', url: '/v1/chat/completions', body: { messages: [] } }),
      JSON.stringify({ custom_id: 'unknown-model', method: 'POST', url: '/v1/chat/completions', body: { model: 'nobody', messages: [] } }),
      JSON.stringify({ custom_id: 'streamed', method: 'POST', url: '/v1/chat/completions', body: { model: 'fake-llm', messages: [], stream: true } }),
    ].join('\n');
    const batch = await client.batches.create({ input_file_id: await upload(client, lines), endpoint: '/v1/chat/completions', completion_window: '24h' });
    const failed = await settled(client, batch.id);
    expect(failed.status).toBe('failed');
    expect(failed.failed_at).toBeGreaterThanOrEqual(failed.created_at);
    expect(failed.errors!.object).toBe('list');
    expect(failed.errors!.data!.map(({ code, line, param }) => ({ code, line, param }))).toEqual([
      { code: 'invalid_json_line', line: 1, param: null },
      { code: 'missing_required_parameter', line: 2, param: 'custom_id' },
      { code: 'duplicate_custom_id', line: 4, param: 'custom_id' },
      { code: 'invalid_request', line: 5, param: 'method' },
      { code: 'invalid_url', line: 6, param: 'url' },
      { code: 'invalid_request', line: 7, param: 'body.model' },
      { code: 'model_not_found', line: 8, param: 'body.model' },
      { code: 'streaming_unsupported', line: 9, param: 'body.stream' },
    ]);
    expect(failed.errors!.data![0]!.message).toBe('This line is not parseable as valid JSON.');
    expect(failed.output_file_id).toBeUndefined();
    expect(upstream.requests.slice(before).filter((request) => request.path === '/chat/completions')).toHaveLength(0);
  });

  it('fails a batch whose input file is missing, empty, or not uploaded for batches', async () => {
    const missing = await settled(client, (await client.batches.create({ input_file_id: 'file-nothere', endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    expect(missing).toMatchObject({ status: 'failed', errors: { data: [{ code: 'invalid_request', param: 'input_file_id', message: 'Cannot find file file-nothere.' }] } });
    const empty = await settled(client, (await client.batches.create({ input_file_id: await upload(client, '\n\n'), endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    expect(empty).toMatchObject({ status: 'failed', errors: { data: [{ code: 'empty_file' }] } });
    const wrongPurpose = await settled(client, (await client.batches.create({ input_file_id: await upload(client, chatLines(['x']), 'user_data'), endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    expect(wrongPurpose).toMatchObject({ status: 'failed', errors: { data: [{ code: 'invalid_request', param: 'input_file_id' }] } });
  });

  it('refuses an endpoint or a completion window it does not serve (400), and a client upload of batch_output', async () => {
    const inputFileId = await upload(client, chatLines(['x']));
    await expect(client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/moderations', completion_window: '24h' })).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '1h' as '24h' })).rejects.toMatchObject({ status: 400 });
    await expect(client.files.create({ file: await toFile(Buffer.from('x'), 'x.jsonl'), purpose: 'batch_output' as 'batch' })).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.retrieve('batch_0000000000000000')).rejects.toMatchObject({ status: 404 });
  });

  it('runs embeddings, completions and responses batches', async () => {
    const embeddings = [1, 2].map((n) => JSON.stringify({ custom_id: `e${n}`, method: 'POST', url: '/v1/embeddings', body: { model: 'fake-embedding', input: `text ${n}` } })).join('\n');
    const completions = [1, 2].map((n) => JSON.stringify({ custom_id: `c${n}`, method: 'POST', url: '/v1/completions', body: { model: 'fake-llm', prompt: `say ${n}`, max_tokens: 5 } })).join('\n');
    const responses = [1, 2].map((n) => JSON.stringify({ custom_id: `r${n}`, method: 'POST', url: '/v1/responses', body: { model: 'fake-llm', input: `hello ${n}` } })).join('\n');
    const runs = await Promise.all([
      ['/v1/embeddings', embeddings, 'list'],
      ['/v1/completions', completions, 'text_completion'],
      ['/v1/responses', responses, 'response'],
    ].map(async ([endpoint, lines, object]) => {
      const batch = await client.batches.create({ input_file_id: await upload(client, lines!), endpoint: endpoint as '/v1/embeddings', completion_window: '24h' });
      return { batch: await settled(client, batch.id), object };
    }));
    for (const { batch, object } of runs) {
      expect(batch).toMatchObject({ status: 'completed', request_counts: { total: 2, completed: 2, failed: 0 } });
      const output = await fileLines(client, batch.output_file_id!);
      expect(output.map((line) => line.response.body.object)).toEqual([object, object]);
    }
  });

  it('answers the same batch for the same idempotency key, and 409 when the other fields differ', async () => {
    const inputFileId = await upload(client, chatLines(['k']));
    const raw = (body: Record<string, unknown>) => fetch(`${server.baseURL}/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const first = await (await raw({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', idempotency_key: 'nightly-1' })).json() as Batch;
    const again = await (await raw({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', idempotency_key: 'nightly-1' })).json() as Batch;
    expect(again.id).toBe(first.id);
    const conflict = await raw({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', idempotency_key: 'nightly-1', metadata: { other: 'yes' } });
    expect(conflict.status).toBe(409);
    await settled(client, first.id);
  });

  it('cancels a running batch: lines in flight stop, the rest never run, the output has what completed', async () => {
    upstream.fault({ kind: 'slow_first_byte', delayMs: 60 }, 1000, '/chat/completions');
    try {
      const ids = Array.from({ length: 40 }, (_, index) => `slow-${index}`);
      const before = upstream.requests.length;
      const batch = await client.batches.create({ input_file_id: await upload(client, chatLines(ids)), endpoint: '/v1/chat/completions', completion_window: '24h' });
      let seen = batch;
      while (seen.request_counts!.completed < 3) {
        await sleep(20);
        seen = await client.batches.retrieve(batch.id);
      }
      const cancelling = await client.batches.cancel(batch.id);
      expect(cancelling.status).toBe('cancelling');
      expect(cancelling.cancelling_at).toBeGreaterThanOrEqual(cancelling.created_at);
      const cancelled = await settled(client, batch.id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.cancelled_at).toBeGreaterThanOrEqual(cancelled.cancelling_at!);
      const completed = cancelled.request_counts!.completed;
      expect(completed).toBeGreaterThanOrEqual(3);
      expect(completed).toBeLessThan(40);
      const output = await fileLines(client, cancelled.output_file_id!);
      expect(output).toHaveLength(completed);
      expect(new Set(output.map((line) => line.custom_id)).size).toBe(completed);
      await sleep(150);
      const sent = upstream.requests.slice(before).filter((request) => request.path === '/chat/completions').length;
      // At most the lines in flight at the cancel (3 at once) were sent beyond those that completed.
      expect(sent).toBeLessThanOrEqual(completed + 3);
    } finally {
      upstream.clearFaults();
    }
  });

  it('runs max_concurrent_batches (1) at a time: the next batch waits in validating, then runs', async () => {
    upstream.fault({ kind: 'slow_first_byte', delayMs: 40 }, 1000, '/chat/completions');
    try {
      const first = await client.batches.create({ input_file_id: await upload(client, chatLines(Array.from({ length: 30 }, (_, index) => `q${index}`))), endpoint: '/v1/chat/completions', completion_window: '24h' });
      const second = await client.batches.create({ input_file_id: await upload(client, chatLines(['q7'])), endpoint: '/v1/chat/completions', completion_window: '24h' });
      let running = await client.batches.retrieve(first.id);
      while (running.status === 'validating') {
        await sleep(10);
        running = await client.batches.retrieve(first.id);
      }
      expect(running.status).toBe('in_progress');
      expect(running.request_counts!.completed).toBeLessThan(30);
      expect((await client.batches.retrieve(second.id)).status).toBe('validating');
      const [firstDone, secondDone] = [await settled(client, first.id), await settled(client, second.id)];
      expect(firstDone.status).toBe('completed');
      expect(secondDone.status).toBe('completed');
      expect(secondDone.in_progress_at).toBeGreaterThanOrEqual(firstDone.completed_at!);
    } finally {
      upstream.clearFaults();
    }
  });

  it('lists batches newest first, paged with after and limit', async () => {
    const page = await client.batches.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const all: Batch[] = [];
    for await (const batch of client.batches.list({ limit: 3 })) all.push(batch);
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(new Set(all.map((batch) => batch.id)).size).toBe(all.length);
    const created = all.map((batch) => batch.created_at);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect(all.slice(0, 2).map((batch) => batch.id)).toEqual(page.data.map((batch) => batch.id));
    const next = await client.batches.list({ limit: 2, after: page.data[1]!.id });
    expect(next.data[0]!.id).toBe(all[2]!.id);
  });

  it('serves llama-stack-client\'s batches methods', async () => {
    const llama = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
    const inputFileId = await upload(client, chatLines(['ls-1', 'ls-2']));
    // Batches list newest first by `created_at`, in seconds: this one starts a second of its own, so
    // that it is the newest whatever the earlier tests made (an idempotency key's id does not sort by time).
    await sleep(1000 - (Date.now() % 1000));
    const created = await llama.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(created.status).toBe('validating');
    let batch = await llama.batches.retrieve(created.id);
    for (let i = 0; i < 200 && batch.status !== 'completed'; i++) {
      await sleep(25);
      batch = await llama.batches.retrieve(created.id);
    }
    expect(batch).toMatchObject({ id: created.id, status: 'completed', request_counts: { total: 2, completed: 2, failed: 0 } });
    const listed = await llama.batches.list({ limit: 1 });
    expect(listed.data.map((entry) => entry.id)).toEqual([created.id]);
    await expect(llama.batches.cancel(created.id)).rejects.toMatchObject({ status: 409 });
    const queued = await llama.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const cancelled = await llama.batches.cancel(queued.id);
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
  });
});
