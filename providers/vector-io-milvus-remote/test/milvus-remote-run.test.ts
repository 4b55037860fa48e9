import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
import { sampleConfig } from '../src/milvus-remote-config.js';
import { startMilvusStandIn, type MilvusStandIn } from './milvus-stand-in.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

const ENTRY = { provider_id: 'milvus', provider_type: 'remote::milvus', config: sampleConfig };

/** Starts `cria run` on a distribution whose vector_io is remote::milvus from its sample config, with `env` set only while it starts. */
async function startWithEnv(dataDir: string, upstreamUrl: string, env: Record<string, string | undefined>) {
  const distribution = vectorStoresDistribution(upstreamUrl, dataDir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
  distribution.providers.vector_io = [ENTRY];
  distribution.vector_stores.default_provider_id = 'milvus';
  const configPath = join(dataDir, 'cria.yaml');
  writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'milvus-remote', ...distribution }));
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await startCliServer(cli, configPath, { cwd: root });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('remote::milvus in `cria run`, from its sample config', () => {
  let upstream: FakeOpenAIUpstream;
  let standIn: MilvusStandIn;
  const data = temporaryDirectory('cria-milvus-run-');
  const empty = temporaryDirectory('cria-milvus-run-empty-');

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    standIn = await startMilvusStandIn({ token: 'root:Milvus' });
  });
  afterAll(async () => {
    await upstream?.close();
    await standIn?.close();
    data.remove();
    empty.remove();
  });

  it('serves vector stores on Milvus when MILVUS_ENDPOINT and MILVUS_TOKEN are set', async () => {
    const server = await startWithEnv(data.dir, upstream.url, { MILVUS_ENDPOINT: standIn.url, MILVUS_TOKEN: 'root:Milvus' });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const provider = (await (await fetch(`${server.url}/v1/providers/milvus`)).json()) as { health: { status: string } };
    expect(provider.health).toEqual({ status: 'OK' });

    const file = await client.files.create({ file: await toFile(Buffer.from('Alpacas graze on the high pastures of the Andes.'), 'alpacas.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'andes' });
    const attached = await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id }, { pollIntervalMs: 50 });
    expect(attached.status).toBe('completed');
    expect([...standIn.collections.values()].some((collection) => collection.entities.size === 1)).toBe(true);
    for (const search_mode of ['keyword', 'hybrid']) {
      const found = await client.vectorStores.search(store.id, { query: 'grazing alpacas', search_mode } as never);
      expect(found.data).toHaveLength(1);
      expect(found.data[0]!.content[0]!.text).toContain('Alpacas graze');
    }
  });

  it('starts with no environment, naming MILVUS_ENDPOINT in health and in the 503', async () => {
    const server = await startWithEnv(empty.dir, upstream.url, { MILVUS_ENDPOINT: undefined, MILVUS_TOKEN: undefined });
    const provider = (await (await fetch(`${server.url}/v1/providers/milvus`)).json()) as { health: { status: string; message: string } };
    expect(provider.health).toEqual({ status: 'Error', message: expect.stringContaining('MILVUS_ENDPOINT') });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await expect(client.vectorStores.create({ name: 'nowhere' })).rejects.toMatchObject({ status: 503, message: expect.stringContaining('MILVUS_ENDPOINT') });
  });
});
