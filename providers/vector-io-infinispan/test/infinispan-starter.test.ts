import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, FakeOpenAIUpstream, startCliServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
import { type InfinispanStandIn, startInfinispanStandIn } from './infinispan-stand-in.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');

/** The starter distribution's entry, word for word (llama-stack-0.7.1-starter-config.yaml). */
const STARTER_ENTRY = {
  provider_id: '${env.INFINISPAN_URL:+infinispan}',
  provider_type: 'remote::infinispan',
  config: {
    url: '${env.INFINISPAN_URL:=http://localhost:11222}',
    username: '${env.INFINISPAN_USERNAME:=admin}',
    password: '${env.INFINISPAN_PASSWORD:=}',
    use_https: false,
    auth_mechanism: 'digest',
    verify_tls: true,
    persistence: { namespace: 'vector_io::infinispan', backend: 'kv_default' },
  },
};

const ENVIRONMENT = ['INFINISPAN_URL', 'INFINISPAN_USERNAME', 'INFINISPAN_PASSWORD'] as const;

describe('remote::infinispan in `cria run`, from the starter\'s entry', () => {
  let upstream: FakeOpenAIUpstream;
  let standIn: InfinispanStandIn;
  const data = temporaryDirectory('cria-infinispan-run-');

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    standIn = await startInfinispanStandIn({ credentials: { username: 'cria', password: 'ispn-pw' } });
  });
  afterAll(async () => {
    await upstream?.close();
    await standIn?.close();
    data.remove();
  });

  it('serves vector stores on Infinispan when INFINISPAN_URL, _USERNAME and _PASSWORD are set', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
    distribution.providers.vector_io = [STARTER_ENTRY];
    distribution.vector_stores.default_provider_id = 'infinispan';
    const configPath = join(data.dir, 'cria.yaml');
    writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'infinispan-starter', ...distribution }));
    const saved = ENVIRONMENT.map((name) => process.env[name]);
    Object.assign(process.env, { INFINISPAN_URL: standIn.url, INFINISPAN_USERNAME: 'cria', INFINISPAN_PASSWORD: 'ispn-pw' });
    let server;
    try {
      server = await startCliServer(cli, configPath, { cwd: root });
    } finally {
      ENVIRONMENT.forEach((name, index) => {
        if (saved[index] === undefined) delete process.env[name];
        else process.env[name] = saved[index];
      });
    }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const provider = (await (await fetch(`${server.url}/v1/providers/infinispan`)).json()) as { health: { status: string } };
    expect(provider.health).toEqual({ status: 'OK' });

    const file = await client.files.create({ file: await toFile(Buffer.from('Alpacas graze on the high pastures of the Andes.'), 'alpacas.txt'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'andes' });
    const attached = await client.vectorStores.files.createAndPoll(store.id, { file_id: file.id }, { pollIntervalMs: 50 });
    expect(attached.status).toBe('completed');
    expect(standIn.caches.get(store.id)?.entries.size).toBe(1);
    const found = await client.vectorStores.search(store.id, { query: 'grazing alpacas', search_mode: 'keyword' } as never);
    expect(found.data).toHaveLength(1);
    expect(found.data[0]!.content[0]!.text).toContain('Alpacas graze');
    const semantic = await client.vectorStores.search(store.id, { query: 'Alpacas graze on the high pastures of the Andes.' });
    expect(semantic.data[0]!.content[0]!.text).toContain('Alpacas graze');
  });

  it('starts with no Infinispan and reports the URL and a 503 through the server', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
    distribution.providers.vector_io = [{ ...STARTER_ENTRY, provider_id: 'infinispan' }];
    distribution.vector_stores.default_provider_id = 'infinispan';
    const configPath = join(data.dir, 'cria-down.yaml');
    writeFileSync(configPath, JSON.stringify({ version: 2, distro_name: 'infinispan-down', ...distribution }));
    const saved = ENVIRONMENT.map((name) => process.env[name]);
    ENVIRONMENT.forEach((name) => delete process.env[name]);
    const port = await closedPort();
    Object.assign(process.env, { INFINISPAN_URL: `http://127.0.0.1:${port}` });
    let server;
    try {
      server = await startCliServer(cli, configPath, { cwd: root });
    } finally {
      ENVIRONMENT.forEach((name, index) => {
        if (saved[index] === undefined) delete process.env[name];
        else process.env[name] = saved[index];
      });
    }
    const provider = (await (await fetch(`${server.url}/v1/providers/infinispan`)).json()) as { health: { status: string; message: string } };
    expect(provider.health).toMatchObject({ status: 'Error', message: expect.stringContaining(`http://127.0.0.1:${port}`) });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const refused = await client.vectorStores.create({ name: 'nowhere' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((refused as InstanceType<typeof OpenAI.APIError>).message).toContain('INFINISPAN_URL');
  });
});
