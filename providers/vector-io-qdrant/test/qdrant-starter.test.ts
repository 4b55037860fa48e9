import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

/** The starter distribution's entry, word for word (llama-stack-0.7.1-starter-config.yaml): QDRANT_URL only enables it, the server is the default localhost:6333. */
const STARTER_ENTRY = {
  provider_id: '${env.QDRANT_URL:+qdrant}',
  provider_type: 'remote::qdrant',
  config: {
    api_key: '${env.QDRANT_API_KEY:=}',
    persistence: { namespace: 'vector_io::qdrant_remote', backend: 'kv_default' },
  },
};

describe('remote::qdrant in `cria run`, from the starter\'s entry', () => {
  let upstream: FakeOpenAIUpstream;
  const data = temporaryDirectory('cria-qdrant-run-');

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
  });
  afterAll(async () => {
    await upstream?.close();
    data.remove();
  });

  it('starts with QDRANT_URL set and no Qdrant running, naming localhost:6333 in health and in the 503', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
    distribution.providers.vector_io = [STARTER_ENTRY];
    distribution.vector_stores.default_provider_id = 'qdrant';
    const configPath = join(data.dir, 'cria.yaml');
    writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'qdrant-starter', ...distribution }));
    const saved = process.env.QDRANT_URL;
    process.env.QDRANT_URL = 'http://localhost:6333';
    let server;
    try {
      server = await startCliServer(cli, configPath, { cwd: root });
    } finally {
      if (saved === undefined) delete process.env.QDRANT_URL;
      else process.env.QDRANT_URL = saved;
    }
    const provider = (await (await fetch(`${server.url}/v1/providers/qdrant`)).json()) as { health: { status: string; message: string } };
    expect(provider.health).toEqual({ status: 'Error', message: expect.stringContaining('http://localhost:6333') });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await expect(client.vectorStores.create({ name: 'nowhere' })).rejects.toMatchObject({ status: 503, message: expect.stringContaining('http://localhost:6333') });
  });
});
