import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
import { startWeaviateStandIn, type WeaviateStandIn } from './weaviate-stand-in.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

/** The starter distribution's entry, word for word (llama-stack-0.7.1-starter-config.yaml). */
const STARTER_ENTRY = {
  provider_id: '${env.WEAVIATE_CLUSTER_URL:+weaviate}',
  provider_type: 'remote::weaviate',
  config: {
    weaviate_api_key: null,
    weaviate_cluster_url: '${env.WEAVIATE_CLUSTER_URL:=localhost:8080}',
    persistence: { namespace: 'vector_io::weaviate', backend: 'kv_default' },
  },
};

describe('remote::weaviate in `cria run`, from the starter\'s entry', () => {
  let upstream: FakeOpenAIUpstream;
  let standIn: WeaviateStandIn;
  const data = temporaryDirectory('cria-weaviate-run-');

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    standIn = await startWeaviateStandIn();
  });
  afterAll(async () => {
    await upstream?.close();
    await standIn?.close();
    data.remove();
  });

  it('serves vector stores on Weaviate when WEAVIATE_CLUSTER_URL is set', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
    distribution.providers.vector_io = [STARTER_ENTRY];
    distribution.vector_stores.default_provider_id = 'weaviate';
    const configPath = join(data.dir, 'cria.yaml');
    writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'weaviate-starter', ...distribution }));
    const saved = process.env.WEAVIATE_CLUSTER_URL;
    process.env.WEAVIATE_CLUSTER_URL = standIn.url.replace('http://', '');
    let server;
    try {
      server = await startCliServer(cli, configPath, { cwd: root });
    } finally {
      if (saved === undefined) delete process.env.WEAVIATE_CLUSTER_URL;
      else process.env.WEAVIATE_CLUSTER_URL = saved;
    }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const provider = (await (await fetch(`${server.url}/v1/providers/weaviate`)).json()) as { health: { status: string } };
    expect(provider.health).toEqual({ status: 'OK' });

    const file = await client.files.create({ file: await toFile(Buffer.from('Alpacas graze on the high pastures of the Andes.'), 'alpacas.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'andes' });
    const attached = await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id }, { pollIntervalMs: 50 });
    expect(attached.status).toBe('completed');
    expect([...standIn.classes.values()].some((target) => target.objects.size === 1)).toBe(true);
    const found = await client.vectorStores.search(store.id, { query: 'grazing alpacas', search_mode: 'keyword' } as never);
    expect(found.data).toHaveLength(1);
    expect(found.data[0]!.content[0]!.text).toContain('Alpacas graze');
  });
});
