import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteConnection } from '@cria/sqlite';
import { FakeOpenAIUpstream, startCliServer, startTestServer, temporaryDirectory } from '@cria/testing';
import { batchesDistribution, chatLines } from './batches-distribution.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The custom ids whose results the killed server had stored (read from its kv store on disk). */
function storedCustomIds(dataDir: string): string[] {
  const db = new SqliteConnection(join(dataDir, 'kvstore.db'));
  try {
    const rows = db.statement("SELECT value FROM kvstore WHERE key >= 'batches:result:' AND key < 'batches:result;'").all() as { value: string }[];
    return rows.flatMap((row) => (JSON.parse(row.value) as { outputs: string[] }).outputs.map((output) => (JSON.parse(output) as { custom_id: string }).custom_id));
  } finally {
    db.close();
  }
}

describe('a batch after kill -9', () => {
  let upstream: FakeOpenAIUpstream;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
  });
  afterAll(async () => {
    await upstream?.close();
    data.remove();
  });

  it('resumes on restart: every line answered once in the output, none sent again that had completed', async () => {
    // Slow answers: the batch is part-way when the server is killed.
    upstream.fault({ kind: 'slow_first_byte', delayMs: 30 }, 10_000, '/chat/completions');
    const ids = Array.from({ length: 300 }, (_, index) => `line-${index}`);
    const distribution = batchesDistribution(upstream.url, data.dir);
    const configPath = join(data.dir, 'distribution.yaml');
    writeFileSync(configPath, JSON.stringify(distribution));
    const first = await startCliServer(cli, configPath, { cwd: root });
    let client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const inputFileId = (await client.files.create({ file: await toFile(Buffer.from(chatLines(ids)), 'input.jsonl'), purpose: 'batch' })).id;
    const batch = await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    let seen = batch;
    while (seen.request_counts!.completed < 100) {
      await sleep(10);
      seen = await client.batches.retrieve(batch.id);
    }
    expect(seen.status).toBe('in_progress');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const stored = storedCustomIds(data.dir);
    expect(stored.length).toBeGreaterThanOrEqual(100);
    expect(stored.length).toBeLessThan(ids.length);
    const sentBefore = upstream.requests.length;

    const second = await startTestServer({ distribution, dataDir: data.dir });
    try {
      client = new OpenAI({ baseURL: second.baseURL, apiKey: 'none', maxRetries: 0 });
      let done = await client.batches.retrieve(batch.id);
      for (let i = 0; i < 1000 && done.status !== 'completed'; i++) {
        await sleep(20);
        done = await client.batches.retrieve(batch.id);
      }
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: ids.length, completed: ids.length, failed: 0 });
      const output = (await (await client.files.content(done.output_file_id!)).text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { custom_id: string });
      expect(output.map((line) => line.custom_id).sort()).toEqual([...ids].sort());

      const chat = (request: { path: string }) => request.path === '/chat/completions';
      const sentAfter = upstream.requests.slice(sentBefore).filter(chat).map((request) => (request.body.messages[0].content as string).slice('line '.length));
      // Nothing stored before the kill was sent again; everything else was sent after it.
      const again = new Set(stored);
      expect(sentAfter.filter((customId) => again.has(customId))).toEqual([]);
      expect(new Set(sentAfter).size).toBe(sentAfter.length);
      expect([...stored, ...sentAfter].sort()).toEqual([...ids].sort());
      // Lines answered but not yet stored at the kill (in flight, or in the last unwritten moment) are the only ones sent twice.
      const sentTwice = upstream.requests.slice(0, sentBefore).filter(chat).filter((request) => sentAfter.includes((request.body.messages[0].content as string).slice('line '.length)));
      expect(sentTwice.length).toBeLessThanOrEqual(20);
    } finally {
      upstream.clearFaults();
      await second.close();
    }
  });
});
