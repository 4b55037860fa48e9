import { afterAll, describe, expect, it } from 'vitest';
import type { VectorChunk } from '@cria/api';
import { createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import faissProvider from './index.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::faiss' };

describeVectorIOContract('inline::faiss', async () => restartableProvider(faissProvider, { persistence }), { keywordSearch: false });

function chunks(count: number): VectorChunk[] {
  return Array.from({ length: count }, (_, index) => ({
    chunkId: `c${index}`,
    content: `chunk ${index}`,
    embedding: [Math.sin(index), Math.cos(index * 0.7), Math.sin(index * 1.3), 1],
    metadata: { group: index % 3 },
    chunkMetadata: { file_id: index % 2 ? 'file-odd' : 'file-even' },
  }));
}

describe('inline::faiss', () => {
  const temp = temporaryDirectory('cria-faiss-');
  afterAll(() => temp.remove());

  it('accepts exactly the starter config (persistence) and refuses other keys', async () => {
    const provider = await createTestProvider(faissProvider, { persistence }, { dataDir: temp.dir });
    expect(await provider.impl.health!()).toEqual({ status: 'OK' });
    await provider.close();
    await expect(createTestProvider(faissProvider, {}, { dataDir: temp.dir })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('persistence') });
    await expect(createTestProvider(faissProvider, { persistence, db_path: 'x.db' }, { dataDir: temp.dir })).rejects.toMatchObject({ kind: 'config' });
  });

  it('rebuilds its indexes from the key-value store after a restart, with replaced, deleted and retagged chunks as they were', async () => {
    const provider = restartableProvider(faissProvider, { persistence });
    try {
      const first = await provider.open();
      await first.registerVectorStore({ id: 'vs::a', embeddingModel: 'm', embeddingDimension: 4 });
      await first.registerVectorStore({ id: 'vs::a::b', embeddingModel: 'm', embeddingDimension: 4 });
      await first.insertChunks('vs::a', chunks(50));
      await first.insertChunks('vs::a::b', chunks(2));
      await first.insertChunks('vs::a', [{ ...chunks(1)[0]!, content: 'replaced' }]);
      await first.deleteChunks('vs::a', { chunkIds: ['c7'] });
      await first.updateChunkMetadata('vs::a', { fileId: 'file-odd' }, { group: 'odd' });
      const query = [0.2, -0.4, 0.9, 0.1];
      const before = await first.queryChunks('vs::a', { mode: 'vector', embedding: query, maxChunks: 60 });
      const listedBefore = await first.listChunks('vs::a', { fileId: 'file-even' }, { includeEmbeddings: true });
      await first.shutdown!();

      const second = await provider.open();
      expect(await second.queryChunks('vs::a', { mode: 'vector', embedding: query, maxChunks: 60 })).toEqual(before);
      expect(before).toHaveLength(49);
      const listed = await second.listChunks('vs::a', { fileId: 'file-even' }, { includeEmbeddings: true });
      expect(listed).toEqual(listedBefore);
      expect(listed.at(-1)).toMatchObject({ chunkId: 'c0', content: 'replaced' });
      expect((await second.queryChunks('vs::a', { mode: 'vector', embedding: query, maxChunks: 60, filter: { type: 'eq', key: 'group', value: 'odd' } })).length).toBe(24);
      expect(await second.listChunks('vs::a::b', { chunkIds: ['c0', 'c1'] })).toHaveLength(2);
      await second.unregisterVectorStore('vs::a');
      await second.shutdown!();

      const third = await provider.open();
      await expect(third.listChunks('vs::a', { chunkIds: ['c1'] })).rejects.toMatchObject({ kind: 'not_found' });
      expect(await third.listChunks('vs::a::b', { chunkIds: ['c0', 'c1'] })).toHaveLength(2);
      await third.shutdown!();
    } finally {
      await provider.close();
    }
  });
});
