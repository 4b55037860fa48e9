import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import chromadbProvider from './index.js';
import { bm25, keywordTerms } from './chromadb-keyword.js';
import { type ChromaServer, chromaServerBinding, startChromaServer } from '../test/chromadb-server.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::chroma_remote' };
const temp = temporaryDirectory('cria-chromadb-');
let chroma: ChromaServer;

// Chroma's server binary exists for linux-x64 only (where CI runs); elsewhere these tests are skipped, saying why.
describe.runIf(chromaServerBinding() !== null)('remote::chromadb against a real Chroma server', () => {
  beforeAll(async () => {
    chroma = await startChromaServer(`${temp.dir}/chroma`);
  }, 40_000);
  afterAll(async () => {
    await chroma?.stop();
    temp.remove();
  });

  describeVectorIOContract('remote::chromadb', async () => restartableProvider(chromadbProvider, async () => ({ url: chroma.url, persistence })));

  describe('remote::chromadb', () => {
    it('starts without a url (the starter without CHROMADB_URL): health and requests name CHROMADB_URL', async () => {
      const provider = await createTestProvider(chromadbProvider, { url: '', persistence }, { dataDir: `${temp.dir}/no-url` });
      try {
        expect(await provider.impl.health!()).toEqual({ status: 'Error', message: expect.stringContaining('CHROMADB_URL') });
        await expect(provider.impl.registerVectorStore({ id: 'vs_1', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('CHROMADB_URL') });
      } finally {
        await provider.close();
      }
    });

    it('starts while the server is down, and names the url that does not answer', async () => {
      const stopped = await startChromaServer(`${temp.dir}/stopped`);
      await stopped.stop();
      const provider = await createTestProvider(chromadbProvider, { url: stopped.url, persistence }, { dataDir: `${temp.dir}/down` });
      try {
        expect(await provider.impl.health!()).toEqual({ status: 'Error', message: expect.stringContaining(stopped.url) });
        await expect(provider.impl.registerVectorStore({ id: 'vs_1', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining(stopped.url) });
      } finally {
        await provider.close();
      }
    }, 40_000);

    it('answers health OK against a running server and refuses keys Llama Stack does not have', async () => {
      const provider = await createTestProvider(chromadbProvider, { url: chroma.url, persistence }, { dataDir: `${temp.dir}/ok` });
      expect(await provider.impl.health!()).toEqual({ status: 'OK' });
      await provider.close();
      await expect(createTestProvider(chromadbProvider, { url: chroma.url }, { dataDir: `${temp.dir}/ok` })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('persistence') });
      await expect(createTestProvider(chromadbProvider, { url: chroma.url, persistence, db_path: 'x' }, { dataDir: `${temp.dir}/ok` })).rejects.toMatchObject({ kind: 'config' });
    });

    it('ranks keyword matches by BM25 over stemmed words', () => {
      expect(keywordTerms('Llamas, grazing!')).toEqual(['llama', 'graze']);
      const scores = bm25(['llama', 'red'], [
        { id: 'both', text: 'llama red pasture' },
        { id: 'one', text: 'llama blue pasture' },
        { id: 'substring', text: 'llamaland reddish' },
      ], 10);
      expect([...scores.keys()]).toEqual(['both', 'one']);
      expect(scores.get('both')!).toBeGreaterThan(scores.get('one')!);
    });
  });
});
