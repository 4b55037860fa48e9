import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, sqliteStorage, startCliServer, startTestServer, temporaryDirectory } from '@cria/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

describe('background responses after kill -9', () => {
  let upstream: FakeOpenAIUpstream;
  const data = temporaryDirectory();

  beforeAll(async () => {
    // Slow chunks: the response is mid-stream when the server is killed.
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', chunkDelayMs: 400 });
  });
  afterAll(async () => {
    await upstream?.close();
    data.remove();
  });

  it('ends a response the killed server left in progress as failed, with what was kept readable', async () => {
    const distribution = {
      version: 2,
      distro_name: 'killed',
      apis: ['inference', 'responses'],
      providers: {
        inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: 'test-key' } }],
        responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: {} }],
      },
      registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' }] },
      storage: sqliteStorage(data.dir),
    };
    const configPath = join(data.dir, 'distribution.yaml');
    writeFileSync(configPath, JSON.stringify(distribution));
    const first = await startCliServer(cli, configPath, { cwd: root });
    let client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const queued = await client.responses.create({ model: 'fake-llm', input: 'one two three four five six seven eight', background: true });
    let seen = queued;
    for (let i = 0; i < 100 && seen.status !== 'in_progress'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = await client.responses.retrieve(queued.id);
    }
    expect(seen.status).toBe('in_progress');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await startTestServer({ distribution, dataDir: data.dir });
    try {
      client = new OpenAI({ baseURL: second.baseURL, apiKey: 'none', maxRetries: 0 });
      const after = await client.responses.retrieve(queued.id);
      expect(after.status).toBe('failed');
      expect(after.error).toMatchObject({ code: 'server_error', message: expect.stringContaining('stopped') });
      expect((await client.responses.inputItems.list(queued.id)).data).toHaveLength(1);
      // The store is whole: new responses are kept next to it.
      const next = await client.responses.create({ model: 'fake-llm', input: 'again' });
      expect(next.status).toBe('completed');
    } finally {
      await second.close();
    }
  });

  it('shows a streamed response in progress to a reader while it streams, then completed', async () => {
    const server = await startTestServer({
      distribution: {
        version: 2,
        distro_name: 'watched',
        apis: ['inference', 'responses'],
        providers: {
          inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: 'test-key' } }],
          responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: {} }],
        },
        registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' }] },
        storage: sqliteStorage(join(data.dir, 'watched')),
      },
    });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const stream = await client.responses.create({ model: 'fake-llm', input: 'one two three', stream: true });
      let id = '';
      let seenInProgress = false;
      for await (const event of stream) {
        if (event.type === 'response.created') id = event.response.id;
        // Chunks come 400 ms apart: the reader asks between two of them.
        if (event.type === 'response.output_text.delta' && !seenInProgress) {
          seenInProgress = true;
          expect((await client.responses.retrieve(id)).status).toBe('in_progress');
        }
      }
      expect(seenInProgress).toBe(true);
      expect((await client.responses.retrieve(id)).status).toBe('completed');
    } finally {
      await server.close();
    }
  });
});
