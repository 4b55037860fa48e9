import { expect, it } from 'vitest';
import type { VectorChunk } from '@cria/api';
import { DIMENSION, expectEmbeddings, ids, randomVector, stored, type VectorIOContractSuite } from './vector-io-contract-corpus.js';

/** The storage half of the vector IO contract: inserting, listing, updating and deleting chunks, and the stores' lifecycle. */

/** Inserting: replacing by id, all or nothing. */
export function chunkWriteTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  it('replaces a chunk inserted again with the same id, also within one batch', async () => {
    const storeId = await newStore(chunks.slice(0, 10));
    const replacement: VectorChunk = { chunkId: 'chunk-04', content: 'zebu grazing', embedding: randomVector(random), metadata: { category: 'replaced' } };
    await suite.provider.insertChunks(storeId, [replacement]);
    const [top] = await query(storeId, { mode: 'vector', embedding: replacement.embedding, maxChunks: 1 });
    expect(top).toMatchObject({ chunkId: 'chunk-04', content: 'zebu grazing', metadata: { category: 'replaced' }, chunkMetadata: {} });
    if (suite.keywordSearch) {
      expect(ids(await query(storeId, { mode: 'keyword', text: 'number4' }))).toEqual([]);
      expect(ids(await query(storeId, { mode: 'keyword', text: 'zebu' }))).toEqual(['chunk-04']);
    }
    expect(await query(storeId, { mode: 'vector', embedding: replacement.embedding, maxChunks: 100 })).toHaveLength(10);

    const first: VectorChunk = { chunkId: 'twice', content: 'first version', embedding: randomVector(random), metadata: {} };
    const second: VectorChunk = { chunkId: 'twice', content: 'second version', embedding: randomVector(random), metadata: {} };
    await suite.provider.insertChunks(storeId, [first, second]);
    const twice = (await query(storeId, { mode: 'vector', embedding: second.embedding, maxChunks: 100 })).filter((match) => match.chunkId === 'twice');
    expect(twice).toMatchObject([{ content: 'second version', score: expect.closeTo(1, 4) }]);
  });

  it('inserts all or nothing, naming the bad embedding', async () => {
    const storeId = await newStore(chunks.slice(0, 3));
    const good: VectorChunk = { chunkId: 'good', content: 'good chunk', embedding: randomVector(random), metadata: {} };
    const bad: VectorChunk = { chunkId: 'bad', content: 'bad chunk', embedding: [1, 2, 3], metadata: {} };
    await expect(suite.provider.insertChunks(storeId, [good, bad])).rejects.toMatchObject({ kind: 'invalid_request', param: 'chunks[1].embedding' });
    const all = await query(storeId, { mode: 'vector', embedding: good.embedding, maxChunks: 100 });
    expect(ids(all).sort()).toEqual(['chunk-00', 'chunk-01', 'chunk-02']);
  });
}

/** Unknown stores, listing chunks in insertion order, and replacing a file's metadata. */
export function chunkReadTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  it('answers NotFoundError for a store it does not have', async () => {
    const embedding = randomVector(random);
    await expect(query('vs_missing', { mode: 'vector', embedding })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(suite.provider.insertChunks('vs_missing', chunks.slice(0, 1))).rejects.toMatchObject({ kind: 'not_found' });
    await expect(suite.provider.deleteChunks('vs_missing', { chunkIds: ['chunk-00'] })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(suite.provider.listChunks('vs_missing', { fileId: 'file-even' })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(suite.provider.updateChunkMetadata('vs_missing', { fileId: 'file-even' }, {})).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('lists a file\'s chunks, or chunks by id, in insertion order, with embeddings only when asked', async () => {
    // Inserted in reverse id order, over two calls: insertion order is neither id order nor one batch.
    const reversed = [...chunks].reverse();
    const storeId = await newStore(reversed.slice(0, 25));
    await suite.provider.insertChunks(storeId, reversed.slice(25));
    const even = reversed.filter((chunk) => chunk.chunkMetadata!.file_id === 'file-even');

    const listed = await suite.provider.listChunks(storeId, { fileId: 'file-even' });
    expect(listed).toEqual(even.map(stored));
    for (const chunk of listed) expect(chunk).not.toHaveProperty('embedding');
    expect(await suite.provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: false })).toEqual(listed);
    expectEmbeddings(await suite.provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: true }), even);

    const byId = await suite.provider.listChunks(storeId, { chunkIds: ['chunk-01', 'not-there', 'chunk-30', 'chunk-05'] });
    expect(byId).toEqual([chunks[30]!, chunks[5]!, chunks[1]!].map(stored));
    expectEmbeddings(await suite.provider.listChunks(storeId, { chunkIds: ['chunk-05', 'chunk-30'] }, { includeEmbeddings: true }), [chunks[30]!, chunks[5]!]);
    expect(await suite.provider.listChunks(storeId, { chunkIds: [] })).toEqual([]);
    expect(await suite.provider.listChunks(storeId, { fileId: 'file-none' })).toEqual([]);

    // A chunk inserted again counts as inserted now, with what it was replaced by.
    const replacement: VectorChunk = { ...chunks[10]!, content: 'zebu grazing', embedding: randomVector(random) };
    await suite.provider.insertChunks(storeId, [replacement]);
    const afterReplace = await suite.provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: true });
    expectEmbeddings(afterReplace, [...even.filter((chunk) => chunk.chunkId !== 'chunk-10'), replacement]);
    expect(afterReplace.at(-1)).toMatchObject({ chunkId: 'chunk-10', content: 'zebu grazing' });
  });

  it('replaces the metadata of a file\'s chunks, which filters then match, leaving the rest as it was', async () => {
    const storeId = await newStore();
    const even = chunks.filter((chunk) => chunk.chunkMetadata!.file_id === 'file-even');
    const odd = chunks.filter((chunk) => chunk.chunkMetadata!.file_id === 'file-odd');
    const metadata = { category: 'poem', year: 1999, file_id: 'file-even' };
    await suite.provider.updateChunkMetadata(storeId, { fileId: 'file-even' }, metadata);

    const updated = await suite.provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: true });
    expect(updated.map(({ embedding: _embedding, ...chunk }) => chunk)).toEqual(even.map((chunk) => ({ ...stored(chunk), metadata })));
    expectEmbeddings(updated, even);
    expect(await suite.provider.listChunks(storeId, { fileId: 'file-odd' })).toEqual(odd.map(stored));

    const embedding = randomVector(random);
    const poems = await query(storeId, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'poem' } });
    expect(ids(poems).sort()).toEqual(ids(even));
    const old = await query(storeId, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'gte', key: 'year', value: 2015 } });
    expect(ids(old).sort()).toEqual(ids(odd));
    if (suite.keywordSearch) {
      const keyword = await query(storeId, { mode: 'keyword', text: 'llama', maxChunks: 100, filter: { type: 'lt', key: 'year', value: 2000 } });
      expect(ids(keyword).sort()).toEqual(ids(even.filter((chunk) => chunk.content.startsWith('llama'))));
    }
    const [top] = await query(storeId, { mode: 'vector', embedding: chunks[2]!.embedding, maxChunks: 1 });
    expect(top).toEqual({ ...stored(chunks[2]!), metadata, score: expect.closeTo(1, 4) });

    // A file the store does not have: nothing changes.
    await suite.provider.updateChunkMetadata(storeId, { fileId: 'file-none' }, { category: 'none' });
    expect(await suite.provider.listChunks(storeId, { fileId: 'file-odd' })).toEqual(odd.map(stored));
    expect(await query(storeId, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'none' } })).toEqual([]);
  });
}

/** Deleting the chunks of a file and chunks by id. */
export function chunkDeleteTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  it('deletes the chunks of a file and chunks by id', async () => {
    const storeId = await newStore();
    const embedding = randomVector(random);
    await suite.provider.deleteChunks(storeId, { fileId: 'file-even' });
    const remaining = await query(storeId, { mode: 'vector', embedding, maxChunks: 100 });
    expect(ids(remaining).sort()).toEqual(chunks.filter((_, index) => index % 2 === 1).map((chunk) => chunk.chunkId));
    if (suite.keywordSearch) expect(await query(storeId, { mode: 'keyword', text: 'number0 number2 number4' })).toEqual([]);
    await suite.provider.deleteChunks(storeId, { chunkIds: ['chunk-01', 'chunk-03', 'not-there'] });
    const afterIds = await query(storeId, { mode: 'vector', embedding, maxChunks: 100 });
    expect(afterIds).toHaveLength(18);
    expect(ids(afterIds)).not.toContain('chunk-01');
    if (suite.keywordSearch) {
      expect(await query(storeId, { mode: 'keyword', text: 'number3' })).toEqual([]);
      expect(ids(await query(storeId, { mode: 'keyword', text: 'number5' }))).toEqual(['chunk-05']);
    }
  });
}

/** Registering, keeping apart, dropping stores, and keeping them across a restart. */
export function storeLifecycleTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  it('re-registers a store idempotently and refuses another dimension', async () => {
    const storeId = await newStore(chunks.slice(0, 5));
    await suite.provider.registerVectorStore({ id: storeId, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION });
    expect(await query(storeId, { mode: 'vector', embedding: randomVector(random), maxChunks: 100 })).toHaveLength(5);
    await expect(suite.provider.registerVectorStore({ id: storeId, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION + 1 })).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('keeps stores of different dimensions, and stores whose ids differ only in punctuation, apart', async () => {
    await suite.provider.registerVectorStore({ id: 'vs-twin', embeddingModel: 'contract-embedding', embeddingDimension: 2 });
    await suite.provider.registerVectorStore({ id: 'vs_twin', embeddingModel: 'contract-embedding', embeddingDimension: 3 });
    await suite.provider.insertChunks('vs-twin', [{ chunkId: 'same-id', content: 'two', embedding: [1, 0], metadata: {} }]);
    await suite.provider.insertChunks('vs_twin', [{ chunkId: 'same-id', content: 'three', embedding: [1, 0, 0], metadata: {} }]);
    if (suite.keywordSearch) {
      expect((await query('vs-twin', { mode: 'keyword', text: 'two three' })).map((match) => match.content)).toEqual(['two']);
      expect((await query('vs_twin', { mode: 'hybrid', text: 'two three', embedding: [0, 1, 0] })).map((match) => match.content)).toEqual(['three']);
    } else {
      expect((await query('vs-twin', { mode: 'vector', embedding: [0, 1] })).map((match) => match.content)).toEqual(['two']);
      expect((await query('vs_twin', { mode: 'vector', embedding: [0, 1, 0] })).map((match) => match.content)).toEqual(['three']);
    }
    await suite.provider.unregisterVectorStore('vs-twin');
    expect(await query('vs_twin', { mode: 'vector', embedding: [1, 0, 0] })).toHaveLength(1);
    await suite.provider.unregisterVectorStore('vs_twin');
  });

  it('drops a store and its chunks on unregister', async () => {
    const storeId = await newStore(chunks.slice(0, 5));
    await suite.provider.unregisterVectorStore(storeId);
    await expect(query(storeId, { mode: 'vector', embedding: randomVector(random) })).rejects.toMatchObject({ kind: 'not_found' });
    await suite.provider.registerVectorStore({ id: storeId, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION });
    expect(await query(storeId, { mode: 'vector', embedding: randomVector(random) })).toEqual([]);
    await suite.provider.unregisterVectorStore(storeId);
  });

  it('keeps stores and chunks across a restart', async () => {
    const kept = await newStore();
    const dropped = await newStore(chunks.slice(0, 3));
    await suite.provider.deleteChunks(kept, { chunkIds: ['chunk-39'] });
    await suite.provider.unregisterVectorStore(dropped);
    await suite.provider.updateChunkMetadata(kept, { fileId: 'file-odd' }, { category: 'retagged' });
    const embedding = randomVector(random);
    const search = suite.keywordSearch ? ({ mode: 'hybrid', embedding, text: 'alpaca red', maxChunks: 10 } as const) : ({ mode: 'vector', embedding, maxChunks: 10 } as const);
    const before = await query(kept, search);
    const listedBefore = await suite.provider.listChunks(kept, { fileId: 'file-odd' }, { includeEmbeddings: true });

    await suite.restart();

    expect(await query(kept, search)).toEqual(before);
    expect(await suite.provider.listChunks(kept, { fileId: 'file-odd' }, { includeEmbeddings: true })).toEqual(listedBefore);
    const retagged = suite.keywordSearch
      ? await query(kept, { mode: 'keyword', text: 'llama', maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'retagged' } })
      : (await query(kept, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'retagged' } })).filter((match) => match.content.startsWith('llama'));
    expect(ids(retagged).sort()).toEqual(chunks.filter((chunk, index) => index % 2 === 1 && index !== 39 && chunk.content.startsWith('llama')).map((chunk) => chunk.chunkId));
    expect(await query(kept, { mode: 'vector', embedding, maxChunks: 100 })).toHaveLength(39);
    await expect(query(dropped, { mode: 'vector', embedding })).rejects.toMatchObject({ kind: 'not_found' });
    await suite.provider.insertChunks(kept, [{ chunkId: 'after-restart', content: 'okapi', embedding, metadata: {} }]);
    if (suite.keywordSearch) expect(ids(await query(kept, { mode: 'keyword', text: 'okapi' }))).toEqual(['after-restart']);
    else expect(ids(await query(kept, { mode: 'vector', embedding, maxChunks: 1 }))).toEqual(['after-restart']);
  });
}
