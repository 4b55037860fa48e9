import LlamaStackClient from 'llama-stack-client';
import { describe, expect, it } from 'vitest';
import { createTestProvider, FakeOpenAIUpstream, startTestServer, temporaryDirectory, vectorStoresDistribution } from '@cria/testing';
import milvusLiteProvider from '../src/index.js';

const persistence = { namespace: 'vector_io::milvus', backend: 'kv_default' };

/** A vector stores distribution whose vector_io entries are the starter's faiss, and inline::milvus enabled only by MILVUS_URL. */
function distribution(upstreamUrl: string, dataDir: string): Record<string, unknown> {
  const base = vectorStoresDistribution(upstreamUrl, dataDir) as { providers: Record<string, unknown>; vector_stores: Record<string, unknown> };
  const vectorIo = [
      { provider_id: 'faiss', provider_type: 'inline::faiss', config: { persistence: { namespace: 'vector_io::faiss', backend: 'kv_default' } } },
      { provider_id: '${env.MILVUS_URL:+milvus}', provider_type: 'inline::milvus', config: { db_path: '${env.MILVUS_DB_PATH:=~/.llama/distributions/starter}/milvus.db', persistence } },
  ];
  return { ...base, providers: { ...base.providers, vector_io: vectorIo }, vector_stores: { ...base.vector_stores, default_provider_id: 'faiss' } };
}

describe('inline::milvus', () => {
  it('accepts Llama Stack\'s config, then refuses to start, naming remote::milvus', async () => {
    const temp = temporaryDirectory('cria-milvus-');
    try {
      const creation = createTestProvider(milvusLiteProvider, { db_path: 'milvus.db', persistence, consistency_level: 'Bounded' }, { dataDir: temp.dir });
      await expect(creation).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('remote::milvus') });
      await expect(createTestProvider(milvusLiteProvider, { persistence }, { dataDir: temp.dir })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('db_path') });
    } finally {
      temp.remove();
    }
  });

  it('is skipped by the starter\'s entry without MILVUS_URL, and stops the server from starting with it', async () => {
    const data = temporaryDirectory('cria-milvus-server-');
    const upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    try {
      const server = await startTestServer({ distribution: distribution(upstream.url, data.dir), dataDir: data.dir, env: { MILVUS_URL: '' } });
      const providers = await new LlamaStackClient({ baseURL: server.url, maxRetries: 0 }).providers.list();
      expect(providers.map((provider) => provider.provider_id)).toContain('faiss');
      expect(providers.map((provider) => provider.provider_id)).not.toContain('milvus');
      await server.close();
      await expect(startTestServer({ distribution: distribution(upstream.url, data.dir), dataDir: data.dir, env: { MILVUS_URL: 'http://127.0.0.1:19530' } })).rejects.toThrow(/remote::milvus/);
    } finally {
      await upstream.close();
      data.remove();
    }
  });
});
