import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startPgliteServer, startTestServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';

// How a distribution's vector_io, files and vector_stores sections are read at start-up.
describe('vector stores in a distribution', () => {
  let upstream: FakeOpenAIUpstream;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
  });
  afterAll(async () => {
    await upstream?.close();
    data.remove();
  });

  it('refuses to start vector_io without a files or inference section, naming what is missing', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown> };
    const { files: _files, ...withoutFiles } = distribution.providers;
    await expect(startTestServer({ distribution: { ...distribution, providers: withoutFiles }, dataDir: data.dir })).rejects.toThrow(/providers\.vector_io: the vector_io API needs the files API/);
  });

  it('starts when every inference provider is disabled, and answers 400 where embeddings are needed', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, { provider_id: string }[]>; registered_resources: unknown; vector_stores: unknown };
    const disabled = {
      ...distribution,
      providers: { ...distribution.providers, inference: [{ ...distribution.providers.inference![0]!, provider_id: '${env.CRIA_TEST_UNSET:+openai}' }] },
      registered_resources: { models: [] },
      vector_stores: { default_provider_id: 'sqlite-vec' },
    };
    const server = await startTestServer({ distribution: disabled, dataDir: data.dir });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      await expect(client.vectorStores.create({ name: 'none' })).rejects.toMatchObject({ status: 400, error: { param: 'embedding_model' } });
      await expect(client.vectorStores.create({ name: 'none', embedding_model: 'openai/fake-embedding' } as OpenAI.VectorStores.VectorStoreCreateParams)).rejects.toMatchObject({ status: 400, error: { code: 'no_inference_provider' } });
    } finally {
      await server.close();
    }
  });

  it('creates the vector stores the distribution registers, once', async () => {
    const distribution = vectorStoresDistribution(upstream.url, data.dir) as Record<string, any>;
    distribution.registered_resources.vector_stores = [{ vector_store_id: 'vs_handbook', embedding_model: 'openai/fake-embedding', vector_store_name: 'handbook' }];
    for (let start = 0; start < 2; start++) {
      const server = await startTestServer({ distribution, dataDir: data.dir });
      try {
        const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
        expect(await client.vectorStores.retrieve('vs_handbook')).toMatchObject({ id: 'vs_handbook', name: 'handbook', metadata: { provider_id: 'sqlite-vec', embedding_model: 'openai/fake-embedding' } });
        expect((await client.vectorStores.list()).data.filter((store) => store.id === 'vs_handbook')).toHaveLength(1);
      } finally {
        await server.close();
      }
    }
    distribution.registered_resources.vector_stores = [{ vector_store_id: 'vs_bad', embedding_model: 'openai/nope' }];
    await expect(startTestServer({ distribution, dataDir: data.dir })).rejects.toThrow(/registered_resources\.vector_stores\[0\]\.embedding_model: Embedding model 'openai\/nope' not found/);
  });
});

describe('the postgres distribution', () => {
  it('starts on pgvector (PGlite here) with files, and says why a store cannot embed yet', async () => {
    const pg = await startPgliteServer();
    const data = temporaryDirectory();
    try {
      const text = readFileSync(join(import.meta.dirname, '../../../distributions/postgres.yaml'), 'utf8');
      const env = { PGVECTOR_HOST: pg.host, PGVECTOR_PORT: String(pg.port), PGVECTOR_DB: pg.database, PGVECTOR_USER: pg.user, PGVECTOR_PASSWORD: pg.password, CRIA_MODELS_DIR: join(data.dir, 'models') };
      const server = await startTestServer({ distribution: text, dataDir: data.dir, env });
      try {
        const providers = (await (await fetch(`${server.baseURL}/providers`)).json()) as { data: { provider_id: string; health: { status: string } }[] };
        expect(providers.data.find((provider) => provider.provider_id === 'pgvector')!.health.status).toBe('OK');
        expect(providers.data.find((provider) => provider.provider_id === 'builtin-files')!.health.status).toBe('OK');
        const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
        const file = await client.files.create({ file: await toFile(Buffer.from('kept under SQLITE_STORE_DIR'), 'a.txt'), purpose: 'assistants' });
        expect(file.bytes).toBe(27);
        // The default embedding model is llama-cpp's EMBEDDING_MODEL, not downloaded here.
        await expect(client.vectorStores.create({ name: 'docs' })).rejects.toMatchObject({ status: 503, error: { param: 'embedding_model', code: 'model_unavailable' } });
      } finally {
        await server.close();
      }
    } finally {
      await pg.close();
      data.remove();
    }
  });
});
