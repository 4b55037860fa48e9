import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import milvusProvider, { attributeFilterToMilvus, collectionName, llamaStackCollectionName } from '../src/index.js';
import { configValidator } from '../generated/config-validator.js';
import { startMilvusStandIn, type MilvusStandIn } from './milvus-stand-in.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::milvus_remote' };

let standInStarted: Promise<MilvusStandIn> | undefined;
const standIn = () => (standInStarted ??= startMilvusStandIn({ token: 'root:Milvus' }));
afterAll(async () => {
  if (standInStarted) await (await standInStarted).close();
});

describeVectorIOContract('remote::milvus (on a Milvus REST v2 stand-in)', async () =>
  restartableProvider(milvusProvider, async () => ({ uri: (await standIn()).url, token: 'root:Milvus', persistence })),
);

/** A port nothing listens on. */
describe('remote::milvus', () => {
  const temp = temporaryDirectory('cria-milvus-remote-');
  afterAll(() => temp.remove());

  it("accepts Llama Stack's MilvusVectorIOConfig, its sample, and extra client keys", () => {
    expect(configValidator({ uri: '', token: '', persistence })).toBe(true);
    expect(configValidator({ uri: 'http://milvus:19530', token: null, consistency_level: 'Bounded', persistence })).toBe(true);
    expect(configValidator({ uri: 'http://milvus:19530', token: 'k', persistence, db_name: 'docs', user: 'root', password: 'Milvus', timeout: 5, secure: false })).toBe(true);
    expect(configValidator({ token: 'k', persistence })).toBe(false);
    expect(configValidator({ uri: 'http://milvus:19530' })).toBe(false);
  });

  it('translates filters into Milvus expressions the way Llama Stack writes its JSON paths', () => {
    expect(attributeFilterToMilvus({ type: 'eq', key: 'a.b', value: 'x"y' })).toBe('chunk_content["metadata"]["a.b"] == "x\\"y"');
    expect(attributeFilterToMilvus({ type: 'nin', key: 'tag', value: ['t0', 1] })).toBe('not ((chunk_content["metadata"]["tag"] == "t0") or (chunk_content["metadata"]["tag"] == 1))');
    expect(attributeFilterToMilvus({ type: 'or', filters: [] })).toBeNull();
    // Llama Stack's name where the id is a valid one; a hash keeps ids differing in punctuation apart.
    expect(collectionName('vs_0b3c_41d2')).toBe('vs_0b3c_41d2');
    expect(llamaStackCollectionName('vs-0b3c.41d2')).toBe('vs_0b3c_41d2');
    expect(collectionName('vs-0b3c.41d2')).toMatch(/^vs_0b3c_41d2_[0-9a-f]{12}$/);
    expect(collectionName('vs-0b3c.41d2')).not.toBe(collectionName('vs_0b3c-41d2'));
  });

  it('starts with no uri, naming uri and MILVUS_ENDPOINT in health() and in the 503', async () => {
    const provider = await createTestProvider(milvusProvider, { uri: '', token: '', persistence }, { dataDir: temp.dir });
    try {
      expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringMatching(/uri.*MILVUS_ENDPOINT/) });
      await expect(provider.impl.registerVectorStore({ id: 'vs_none', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('MILVUS_ENDPOINT') });
    } finally {
      await provider.close();
    }
  });

  it('starts with no server, reporting the uri in health() and answering 503 naming it', async () => {
    const port = await closedPort();
    const provider = await createTestProvider(milvusProvider, { uri: `127.0.0.1:${port}`, token: '', persistence }, { dataDir: temp.dir });
    try {
      expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining(`http://127.0.0.1:${port}`) });
      await expect(provider.impl.registerVectorStore({ id: 'vs_down', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringContaining(`http://127.0.0.1:${port}`),
      });
    } finally {
      await provider.close();
    }
  });

  it('names token and MILVUS_TOKEN when Milvus refuses the credentials', async () => {
    const provider = await createTestProvider(milvusProvider, { uri: (await standIn()).url, token: 'wrong', persistence }, { dataDir: temp.dir });
    try {
      expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringMatching(/token.*MILVUS_TOKEN/) });
      await expect(provider.impl.registerVectorStore({ id: 'vs_refused', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'authentication' });
    } finally {
      await provider.close();
    }
  });

  describe('on a stand-in', () => {
    let server: MilvusStandIn;
    beforeAll(async () => {
      server = await startMilvusStandIn({ token: 'secret' });
    });
    afterAll(() => server.close());

    it("keeps chunks as Llama Stack does: a collection per store with its fields and BM25 function, the chunk in chunk_content", async () => {
      const provider = await createTestProvider(milvusProvider, { uri: server.url, token: 'secret', db_name: 'docs', consistency_level: 'Bounded', persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'OK' });
        await provider.impl.registerVectorStore({ id: 'vs_lay-out', embeddingModel: 'm', embeddingDimension: 2 });
        await provider.impl.insertChunks('vs_lay-out', [{ chunkId: 'c1', content: 'Grazing llamas', embedding: [3, 4], metadata: { kind: 'note' }, chunkMetadata: { file_id: 'f1' } }]);
        const collection = server.collections.get(collectionName('vs_lay-out'))!;
        expect(collection).toBeDefined();
        expect(collection.consistencyLevel).toBe('Bounded');
        expect(collection.fields.map((field) => [field.fieldName, field.dataType])).toEqual([
          ['chunk_id', 'VarChar'],
          ['content', 'VarChar'],
          ['vector', 'FloatVector'],
          ['chunk_content', 'JSON'],
          ['sparse', 'SparseFloatVector'],
          ['seq', 'Int64'],
        ]);
        expect(collection.functions).toEqual([{ name: 'text_bm25_emb', type: 'BM25', inputFieldNames: ['content'], outputFieldNames: ['sparse'], params: {} }]);
        expect(collection.indexParams.map((index) => [index.fieldName, index.metricType])).toEqual([['vector', 'COSINE'], ['sparse', 'BM25']]);
        expect(server.databases).toEqual(new Set(['docs']));
        expect(collection.entities.get('c1')).toMatchObject({ chunk_id: 'c1', content: 'Grazing llamas', vector: [3, 4], chunk_content: { chunk_id: 'c1', content: 'Grazing llamas', metadata: { kind: 'note' }, chunk_metadata: { file_id: 'f1' }, embedding: [3, 4] } });
        // The english analyzer stems: "graze" finds "Grazing".
        expect((await provider.impl.queryChunks('vs_lay-out', { mode: 'keyword', text: 'graze', maxChunks: 5 })).map((match) => match.chunkId)).toEqual(['c1']);
        await provider.impl.updateChunkMetadata('vs_lay-out', { fileId: 'f1' }, { kind: 'memo' });
        expect(await provider.impl.listChunks('vs_lay-out', { fileId: 'f1' }, { includeEmbeddings: true })).toEqual([
          { chunkId: 'c1', content: 'Grazing llamas', metadata: { kind: 'memo' }, chunkMetadata: { file_id: 'f1' }, embedding: [3, 4] },
        ]);
        server.down = true;
        expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining(server.url) });
        await expect(provider.impl.listChunks('vs_lay-out', { fileId: 'f1' })).rejects.toMatchObject({ kind: 'unavailable' });
        server.down = false;
        await provider.impl.unregisterVectorStore('vs_lay-out');
        expect(server.collections.size).toBe(0);
      } finally {
        await provider.close();
      }
    });

    it("writes into a collection Llama Stack created (its fields, no seq) and reads it back", async () => {
      const created = await fetch(`${server.url}/v2/vectordb/collections/create`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret', 'content-type': 'application/json' },
        body: JSON.stringify({
          collectionName: 'vs_legacy',
          schema: {
            autoId: false,
            enableDynamicField: false,
            fields: [
              { fieldName: 'chunk_id', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: 100 } },
              { fieldName: 'content', dataType: 'VarChar', elementTypeParams: { max_length: 65535, enable_analyzer: true } },
              { fieldName: 'vector', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
              { fieldName: 'chunk_content', dataType: 'JSON' },
              { fieldName: 'sparse', dataType: 'SparseFloatVector' },
            ],
            functions: [{ name: 'text_bm25_emb', type: 'BM25', inputFieldNames: ['content'], outputFieldNames: ['sparse'], params: {} }],
          },
          indexParams: [
            { fieldName: 'vector', indexName: 'vector', metricType: 'COSINE', params: { index_type: 'FLAT' } },
            { fieldName: 'sparse', indexName: 'sparse', metricType: 'BM25', params: { index_type: 'SPARSE_INVERTED_INDEX' } },
          ],
        }),
      });
      expect(await created.json()).toEqual({ code: 0, data: {} });
      const provider = await createTestProvider(milvusProvider, { uri: server.url, token: 'secret', persistence: { ...persistence, namespace: 'legacy' } }, { dataDir: temp.dir });
      try {
        await provider.impl.registerVectorStore({ id: 'vs_legacy', embeddingModel: 'm', embeddingDimension: 2 });
        await provider.impl.insertChunks('vs_legacy', [{ chunkId: 'c1', content: 'llamas graze', embedding: [1, 0], metadata: {}, chunkMetadata: { file_id: 'f1' } }]);
        expect(server.collections.get('vs_legacy')!.entities.get('c1')).not.toHaveProperty('seq');
        expect((await provider.impl.listChunks('vs_legacy', { fileId: 'f1' })).map((chunk) => chunk.chunkId)).toEqual(['c1']);
        await provider.impl.updateChunkMetadata('vs_legacy', { fileId: 'f1' }, { kind: 'memo' });
        const [match] = await provider.impl.queryChunks('vs_legacy', { mode: 'keyword', text: 'llamas', maxChunks: 2 });
        expect(match).toMatchObject({ chunkId: 'c1', metadata: { kind: 'memo' } });
      } finally {
        await provider.close();
      }
    });

    it('refuses to reopen a collection of another dimension', async () => {
      const provider = await createTestProvider(milvusProvider, { uri: server.url, token: 'secret', persistence }, { dataDir: temp.dir });
      const other = await createTestProvider(milvusProvider, { uri: server.url, token: 'secret', persistence: { ...persistence, namespace: 'other' } }, { dataDir: temp.dir });
      try {
        await provider.impl.registerVectorStore({ id: 'vs_dim', embeddingModel: 'm', embeddingDimension: 2 });
        await expect(other.impl.registerVectorStore({ id: 'vs_dim', embeddingModel: 'm', embeddingDimension: 3 })).rejects.toMatchObject({ kind: 'conflict' });
      } finally {
        await provider.close();
        await other.close();
      }
    });
  });
});
