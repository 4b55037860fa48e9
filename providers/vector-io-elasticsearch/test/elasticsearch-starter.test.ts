import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
import { type ElasticsearchStandIn, startElasticsearchStandIn } from './elasticsearch-stand-in.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

/** The starter distribution's entry, word for word (llama-stack-0.7.1-starter-config.yaml). */
const STARTER_ENTRY = {
  provider_id: '${env.ELASTICSEARCH_URL:+elasticsearch}',
  provider_type: 'remote::elasticsearch',
  config: {
    elasticsearch_url: '${env.ELASTICSEARCH_URL:=localhost:9200}',
    elasticsearch_api_key: '${env.ELASTICSEARCH_API_KEY:=}',
    persistence: { namespace: 'vector_io::elasticsearch', backend: 'kv_default' },
  },
};

describe('remote::elasticsearch in `cria run`, from the starter\'s entry', () => {
  let upstream: FakeOpenAIUpstream;
  let standIn: ElasticsearchStandIn;
  const data = temporaryDirectory('cria-elasticsearch-run-');

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    standIn = await startElasticsearchStandIn({ apiKey: 'starter-key' });
  });
  afterAll(async () => {
    await upstream?.close();
    await standIn?.close();
    data.remove();
  });

  it('serves vector stores on Elasticsearch when ELASTICSEARCH_URL and ELASTICSEARCH_API_KEY are set', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
    distribution.providers.vector_io = [STARTER_ENTRY];
    distribution.vector_stores.default_provider_id = 'elasticsearch';
    const configPath = join(data.dir, 'cria.yaml');
    writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'elasticsearch-starter', ...distribution }));
    const saved = { url: process.env.ELASTICSEARCH_URL, key: process.env.ELASTICSEARCH_API_KEY };
    process.env.ELASTICSEARCH_URL = standIn.url.replace('http://', '');
    process.env.ELASTICSEARCH_API_KEY = 'starter-key';
    let server;
    try {
      server = await startCliServer(cli, configPath, { cwd: root });
    } finally {
      for (const [name, value] of [['ELASTICSEARCH_URL', saved.url], ['ELASTICSEARCH_API_KEY', saved.key]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const provider = (await (await fetch(`${server.url}/v1/providers/elasticsearch`)).json()) as { health: { status: string } };
    expect(provider.health).toEqual({ status: 'OK' });

    const file = await client.files.create({ file: await toFile(Buffer.from('Alpacas graze on the high pastures of the Andes.'), 'alpacas.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'andes' });
    const attached = await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id }, { pollIntervalMs: 50 });
    expect(attached.status).toBe('completed');
    expect([...standIn.indices.values()].some((index) => index.documents.size === 1)).toBe(true);
    const found = await client.vectorStores.search(store.id, { query: 'grazing alpacas', search_mode: 'keyword' } as never);
    expect(found.data).toHaveLength(1);
    expect(found.data[0]!.content[0]!.text).toContain('Alpacas graze');
  });
});
