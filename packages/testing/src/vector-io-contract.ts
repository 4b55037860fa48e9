import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttributeFilter,
  type ChunkMatch,
  type ChunkQuery,
  matchesAttributeFilter,
  type ProviderLifecycle,
  type StoredChunk,
  type VectorChunk,
  type VectorIOProvider,
} from '@cria/api';

/** A vector IO provider under test, and how to restart it on the same storage. */
export interface VectorIOContractHarness {
  /**
   * Creates a provider instance on the harness's storage. The suite shuts an instance down and
   * calls this again to check that stores and chunks survive a restart. The provider must score
   * vector matches by cosine similarity (its default configuration).
   */
  open(): Promise<VectorIOProvider & ProviderLifecycle>;
  /** Removes what the harness made (temporary directories, servers). */
  close(): Promise<void>;
}

const DIMENSION = 8;
const ANIMALS = ['llama', 'alpaca', 'camel', 'vicuna', 'guanaco'];
const COLOURS = ['red', 'green', 'blue', 'yellow'];
const CATEGORIES = ['news', 'blog', 'paper'];

/** A deterministic pseudo-random generator (mulberry32) of numbers in [0, 1), so every run sees the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVector(random: () => number): number[] {
  return Array.from({ length: DIMENSION }, () => random() * 2 - 1);
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return dot / Math.sqrt(normA * normB);
}

/** 40 chunks whose metadata has every JSON type the filters compare, some keys missing. */
function corpus(): VectorChunk[] {
  const random = seededRandom(7);
  return Array.from({ length: 40 }, (_, index) => ({
    chunkId: `chunk-${String(index).padStart(2, '0')}`,
    content: `${ANIMALS[index % 5]} ${COLOURS[index % 4]} pasture number${index}`,
    embedding: randomVector(random),
    metadata: {
      category: CATEGORIES[index % 3],
      year: 2015 + (index % 10),
      year_text: String(2015 + (index % 10)),
      published: index % 2 === 0,
      rating: (index % 5) + 0.5,
      'a.b': index % 4,
      ...(index % 7 === 0 ? {} : { tag: `t${index % 4}` }),
    },
    chunkMetadata: { file_id: `file-${index % 2 === 0 ? 'even' : 'odd'}`, chunk_index: index },
  }));
}

/** The exact answer: the `k` chunks satisfying `filter` with the highest cosine similarity to `embedding`. */
function bruteForceNearest(chunks: readonly VectorChunk[], embedding: readonly number[], k: number, filter?: AttributeFilter): { chunkId: string; score: number }[] {
  return chunks
    .filter((chunk) => !filter || matchesAttributeFilter(chunk.metadata, filter))
    .map((chunk) => ({ chunkId: chunk.chunkId, score: cosine(chunk.embedding, embedding) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function ids(matches: readonly { chunkId: string }[]): string[] {
  return matches.map((match) => match.chunkId);
}

/** A chunk as listChunks answers it without embeddings. */
function stored(chunk: VectorChunk): StoredChunk {
  return { chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata ?? {} };
}

/** Checks that listed chunks carry the embeddings they were inserted with (to float32 precision), in order. */
function expectEmbeddings(listed: readonly StoredChunk[], inserted: readonly VectorChunk[]): void {
  expect(ids(listed)).toEqual(ids(inserted));
  listed.forEach((chunk, index) => {
    expect(chunk.embedding).toHaveLength(inserted[index]!.embedding.length);
    chunk.embedding!.forEach((value, position) => expect(value).toBeCloseTo(inserted[index]!.embedding[position]!, 5));
  });
}

function expectDescending(matches: readonly ChunkMatch[]): void {
  for (let index = 1; index < matches.length; index++) expect(matches[index]!.score).toBeLessThanOrEqual(matches[index - 1]!.score);
}

const FILTERS: [string, AttributeFilter][] = [
  ['eq on a string', { type: 'eq', key: 'category', value: 'blog' }],
  ['eq on a number', { type: 'eq', key: 'year', value: 2018 }],
  ['eq on a boolean', { type: 'eq', key: 'published', value: false }],
  ['eq is type-strict (a numeric string is not the number)', { type: 'eq', key: 'year_text', value: 2018 }],
  ['eq is type-strict (true is not the number 1)', { type: 'eq', key: 'published', value: 1 }],
  ['in is type-strict (false is not the number 0)', { type: 'in', key: 'published', value: [0, 'false'] }],
  ['ne, which missing keys satisfy', { type: 'ne', key: 'tag', value: 't1' }],
  ['gt on a number', { type: 'gt', key: 'year', value: 2020 }],
  ['gte on a number', { type: 'gte', key: 'rating', value: 3.5 }],
  ['lt on a number', { type: 'lt', key: 'year', value: 2017 }],
  ['lte on a number', { type: 'lte', key: 'rating', value: 1.5 }],
  ['gt on a string', { type: 'gt', key: 'year_text', value: '2021' }],
  ['lt never matches across types', { type: 'lt', key: 'year_text', value: 3000 }],
  ['in with strings', { type: 'in', key: 'tag', value: ['t0', 't3'] }],
  ['in with numbers', { type: 'in', key: 'year', value: [2015, 2024] }],
  ['nin, which missing keys satisfy', { type: 'nin', key: 'tag', value: ['t0', 't1', 't2'] }],
  ['a key with a dot', { type: 'eq', key: 'a.b', value: 3 }],
  ['and', { type: 'and', filters: [{ type: 'eq', key: 'category', value: 'news' }, { type: 'gte', key: 'year', value: 2019 }] }],
  ['or', { type: 'or', filters: [{ type: 'eq', key: 'category', value: 'paper' }, { type: 'eq', key: 'published', value: true }] }],
  [
    'or of ands',
    {
      type: 'or',
      filters: [
        { type: 'and', filters: [{ type: 'eq', key: 'category', value: 'blog' }, { type: 'lt', key: 'rating', value: 2 }] },
        { type: 'and', filters: [{ type: 'in', key: 'tag', value: ['t2'] }, { type: 'ne', key: 'published', value: true }] },
      ],
    },
  ],
  ['a filter two chunks satisfy', { type: 'and', filters: [{ type: 'eq', key: 'year', value: 2016 }, { type: 'eq', key: 'category', value: 'blog' }] }],
  ['a filter no chunk satisfies', { type: 'eq', key: 'category', value: 'poem' }],
];

/**
 * The contract every vector IO provider passes, exercising the VectorIOProvider directly:
 * registering stores, inserting (and replacing) chunks, vector / keyword / hybrid search with
 * both rerankers, score thresholds, attribute filters, deleting by file and by id, listing chunks
 * in insertion order (with or without embeddings), replacing a file's metadata, dropping a store,
 * and finding everything again after a restart.
 */
export function describeVectorIOContract(name: string, setup: () => Promise<VectorIOContractHarness>): void {
  describe(`vector IO contract: ${name}`, () => {
    let harness: VectorIOContractHarness;
    let provider: VectorIOProvider & ProviderLifecycle;
    const chunks = corpus();
    const random = seededRandom(11);
    let storeCount = 0;

    /** A fresh store holding `contents` (the corpus by default). */
    const newStore = async (contents: readonly VectorChunk[] = chunks): Promise<string> => {
      const id = `vs_contract_${++storeCount}`;
      await provider.registerVectorStore({ id, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION });
      if (contents.length) await provider.insertChunks(id, contents);
      return id;
    };
    const query = (storeId: string, partial: Partial<ChunkQuery> & Pick<ChunkQuery, 'mode'>) => provider.queryChunks(storeId, { maxChunks: 10, ...partial });

    beforeAll(async () => {
      harness = await setup();
      provider = await harness.open();
    });
    afterAll(async () => {
      await provider?.shutdown?.();
      await harness?.close();
    });

    it('finds the nearest chunks by cosine similarity, best first', async () => {
      const storeId = await newStore();
      for (let attempt = 0; attempt < 5; attempt++) {
        const embedding = randomVector(random);
        const matches = await query(storeId, { mode: 'vector', embedding, maxChunks: 5 });
        const expected = bruteForceNearest(chunks, embedding, 5);
        expect(ids(matches)).toEqual(ids(expected as ChunkMatch[]));
        matches.forEach((match, index) => expect(match.score).toBeCloseTo(expected[index]!.score, 4));
      }
      const [top] = await query(storeId, { mode: 'vector', embedding: chunks[3]!.embedding, maxChunks: 1 });
      expect(top).toEqual({ chunkId: 'chunk-03', content: chunks[3]!.content, metadata: chunks[3]!.metadata, chunkMetadata: chunks[3]!.chunkMetadata, score: expect.closeTo(1, 4) });
      expect(await query(storeId, { mode: 'vector', embedding: chunks[0]!.embedding, maxChunks: 100 })).toHaveLength(chunks.length);
    });

    it('replaces a chunk inserted again with the same id, also within one batch', async () => {
      const storeId = await newStore(chunks.slice(0, 10));
      const replacement: VectorChunk = { chunkId: 'chunk-04', content: 'zebu grazing', embedding: randomVector(random), metadata: { category: 'replaced' } };
      await provider.insertChunks(storeId, [replacement]);
      const [top] = await query(storeId, { mode: 'vector', embedding: replacement.embedding, maxChunks: 1 });
      expect(top).toMatchObject({ chunkId: 'chunk-04', content: 'zebu grazing', metadata: { category: 'replaced' }, chunkMetadata: {} });
      expect(ids(await query(storeId, { mode: 'keyword', text: 'number4' }))).toEqual([]);
      expect(ids(await query(storeId, { mode: 'keyword', text: 'zebu' }))).toEqual(['chunk-04']);
      expect(await query(storeId, { mode: 'vector', embedding: replacement.embedding, maxChunks: 100 })).toHaveLength(10);

      const first: VectorChunk = { chunkId: 'twice', content: 'first version', embedding: randomVector(random), metadata: {} };
      const second: VectorChunk = { chunkId: 'twice', content: 'second version', embedding: randomVector(random), metadata: {} };
      await provider.insertChunks(storeId, [first, second]);
      const twice = (await query(storeId, { mode: 'vector', embedding: second.embedding, maxChunks: 100 })).filter((match) => match.chunkId === 'twice');
      expect(twice).toMatchObject([{ content: 'second version', score: expect.closeTo(1, 4) }]);
    });

    it('inserts all or nothing, naming the bad embedding', async () => {
      const storeId = await newStore(chunks.slice(0, 3));
      const good: VectorChunk = { chunkId: 'good', content: 'good chunk', embedding: randomVector(random), metadata: {} };
      const bad: VectorChunk = { chunkId: 'bad', content: 'bad chunk', embedding: [1, 2, 3], metadata: {} };
      await expect(provider.insertChunks(storeId, [good, bad])).rejects.toMatchObject({ kind: 'invalid_request', param: 'chunks[1].embedding' });
      const all = await query(storeId, { mode: 'vector', embedding: good.embedding, maxChunks: 100 });
      expect(ids(all).sort()).toEqual(['chunk-00', 'chunk-01', 'chunk-02']);
    });

    it('refuses malformed queries', async () => {
      const storeId = await newStore(chunks.slice(0, 3));
      const embedding = randomVector(random);
      await expect(query(storeId, { mode: 'vector', embedding: [1, 0] })).rejects.toMatchObject({ kind: 'invalid_request', param: 'embedding' });
      await expect(query(storeId, { mode: 'hybrid', text: 'llama' })).rejects.toMatchObject({ kind: 'invalid_request', param: 'embedding' });
      await expect(query(storeId, { mode: 'keyword' })).rejects.toMatchObject({ kind: 'invalid_request' });
      await expect(query(storeId, { mode: 'semantic' as ChunkQuery['mode'], embedding })).rejects.toMatchObject({ kind: 'invalid_request', param: 'mode' });
      await expect(query(storeId, { mode: 'vector', embedding, maxChunks: 0 })).rejects.toMatchObject({ kind: 'invalid_request', param: 'max_chunks' });
    });

    it('answers NotFoundError for a store it does not have', async () => {
      const embedding = randomVector(random);
      await expect(query('vs_missing', { mode: 'vector', embedding })).rejects.toMatchObject({ kind: 'not_found' });
      await expect(provider.insertChunks('vs_missing', chunks.slice(0, 1))).rejects.toMatchObject({ kind: 'not_found' });
      await expect(provider.deleteChunks('vs_missing', { chunkIds: ['chunk-00'] })).rejects.toMatchObject({ kind: 'not_found' });
      await expect(provider.listChunks('vs_missing', { fileId: 'file-even' })).rejects.toMatchObject({ kind: 'not_found' });
      await expect(provider.updateChunkMetadata('vs_missing', { fileId: 'file-even' }, {})).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('lists a file\'s chunks, or chunks by id, in insertion order, with embeddings only when asked', async () => {
      // Inserted in reverse id order, over two calls: insertion order is neither id order nor one batch.
      const reversed = [...chunks].reverse();
      const storeId = await newStore(reversed.slice(0, 25));
      await provider.insertChunks(storeId, reversed.slice(25));
      const even = reversed.filter((chunk) => chunk.chunkMetadata!.file_id === 'file-even');

      const listed = await provider.listChunks(storeId, { fileId: 'file-even' });
      expect(listed).toEqual(even.map(stored));
      for (const chunk of listed) expect(chunk).not.toHaveProperty('embedding');
      expect(await provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: false })).toEqual(listed);
      expectEmbeddings(await provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: true }), even);

      const byId = await provider.listChunks(storeId, { chunkIds: ['chunk-01', 'not-there', 'chunk-30', 'chunk-05'] });
      expect(byId).toEqual([chunks[30]!, chunks[5]!, chunks[1]!].map(stored));
      expectEmbeddings(await provider.listChunks(storeId, { chunkIds: ['chunk-05', 'chunk-30'] }, { includeEmbeddings: true }), [chunks[30]!, chunks[5]!]);
      expect(await provider.listChunks(storeId, { chunkIds: [] })).toEqual([]);
      expect(await provider.listChunks(storeId, { fileId: 'file-none' })).toEqual([]);

      // A chunk inserted again counts as inserted now, with what it was replaced by.
      const replacement: VectorChunk = { ...chunks[10]!, content: 'zebu grazing', embedding: randomVector(random) };
      await provider.insertChunks(storeId, [replacement]);
      const afterReplace = await provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: true });
      expectEmbeddings(afterReplace, [...even.filter((chunk) => chunk.chunkId !== 'chunk-10'), replacement]);
      expect(afterReplace.at(-1)).toMatchObject({ chunkId: 'chunk-10', content: 'zebu grazing' });
    });

    it('replaces the metadata of a file\'s chunks, which filters then match, leaving the rest as it was', async () => {
      const storeId = await newStore();
      const even = chunks.filter((chunk) => chunk.chunkMetadata!.file_id === 'file-even');
      const odd = chunks.filter((chunk) => chunk.chunkMetadata!.file_id === 'file-odd');
      const metadata = { category: 'poem', year: 1999, file_id: 'file-even' };
      await provider.updateChunkMetadata(storeId, { fileId: 'file-even' }, metadata);

      const updated = await provider.listChunks(storeId, { fileId: 'file-even' }, { includeEmbeddings: true });
      expect(updated.map(({ embedding: _embedding, ...chunk }) => chunk)).toEqual(even.map((chunk) => ({ ...stored(chunk), metadata })));
      expectEmbeddings(updated, even);
      expect(await provider.listChunks(storeId, { fileId: 'file-odd' })).toEqual(odd.map(stored));

      const embedding = randomVector(random);
      const poems = await query(storeId, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'poem' } });
      expect(ids(poems).sort()).toEqual(ids(even));
      const old = await query(storeId, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'gte', key: 'year', value: 2015 } });
      expect(ids(old).sort()).toEqual(ids(odd));
      const keyword = await query(storeId, { mode: 'keyword', text: 'llama', maxChunks: 100, filter: { type: 'lt', key: 'year', value: 2000 } });
      expect(ids(keyword).sort()).toEqual(ids(even.filter((chunk) => chunk.content.startsWith('llama'))));
      const [top] = await query(storeId, { mode: 'vector', embedding: chunks[2]!.embedding, maxChunks: 1 });
      expect(top).toEqual({ ...stored(chunks[2]!), metadata, score: expect.closeTo(1, 4) });

      // A file the store does not have: nothing changes.
      await provider.updateChunkMetadata(storeId, { fileId: 'file-none' }, { category: 'none' });
      expect(await provider.listChunks(storeId, { fileId: 'file-odd' })).toEqual(odd.map(stored));
      expect(await query(storeId, { mode: 'vector', embedding, maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'none' } })).toEqual([]);
    });

    it('searches by keyword, ranking chunks with more of the words first', async () => {
      const storeId = await newStore();
      const matches = await query(storeId, { mode: 'keyword', text: 'Llama, red!', maxChunks: 40 });
      // Chunks with both words (index ≡ 0 mod 20) rank above those with one.
      expect(ids(matches).slice(0, 2).sort()).toEqual(['chunk-00', 'chunk-20']);
      const expected = chunks.filter((chunk) => /llama|red/.test(chunk.content)).map((chunk) => chunk.chunkId);
      expect(ids(matches).sort()).toEqual(expected.sort());
      expectDescending(matches);
      for (const match of matches) expect(match.score).toBeGreaterThan(0);
      expect(await query(storeId, { mode: 'keyword', text: 'llamas', maxChunks: 3 })).toHaveLength(3);
      expect(await query(storeId, { mode: 'keyword', text: 'zebra' })).toEqual([]);
      expect(await query(storeId, { mode: 'keyword', text: '"; DROP TABLE x; -- OR content:* NEAR(' })).toEqual([]);
      expect(await query(storeId, { mode: 'keyword', text: '' })).toEqual([]);
    });

    it('merges vector and keyword rankings by reciprocal rank fusion', async () => {
      const storeId = await newStore();
      const embedding = randomVector(random);
      const text = 'camel yellow';
      for (const impactFactor of [undefined, 10]) {
        const vector = await query(storeId, { mode: 'vector', embedding, maxChunks: 8 });
        const keyword = await query(storeId, { mode: 'keyword', text, maxChunks: 8 });
        const hybrid = await query(storeId, { mode: 'hybrid', embedding, text, maxChunks: 8, reranker: { type: 'rrf', ...(impactFactor ? { impactFactor } : {}) } });
        const k = impactFactor ?? 60;
        const expected = new Map<string, number>();
        for (const ranking of [vector, keyword]) ranking.forEach((match, index) => expected.set(match.chunkId, (expected.get(match.chunkId) ?? 0) + 1 / (k + index + 1)));
        const best = [...expected.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
        expect(hybrid).toHaveLength(8);
        expectDescending(hybrid);
        hybrid.forEach((match, index) => {
          expect(match.score).toBeCloseTo(expected.get(match.chunkId)!, 9);
          expect(match.score).toBeCloseTo(best[index]![1], 9);
        });
      }
      // RRF is the default reranker.
      const withDefault = await query(storeId, { mode: 'hybrid', embedding, text, maxChunks: 8 });
      const withRrf = await query(storeId, { mode: 'hybrid', embedding, text, maxChunks: 8, reranker: { type: 'rrf' } });
      expect(withDefault.map((match) => match.score)).toEqual(withRrf.map((match) => match.score));
    });

    it('merges vector and keyword scores by weight after min-max normalisation', async () => {
      const storeId = await newStore();
      const embedding = randomVector(random);
      const text = 'vicuna green';
      const vector = await query(storeId, { mode: 'vector', embedding, maxChunks: 6 });
      const keyword = await query(storeId, { mode: 'keyword', text, maxChunks: 6 });
      const normalise = (matches: ChunkMatch[]) => {
        const scores = matches.map((match) => match.score);
        const low = Math.min(...scores);
        const range = Math.max(...scores) - low;
        return new Map(matches.map((match) => [match.chunkId, range > 0 ? (match.score - low) / range : 1]));
      };
      const vectorScores = normalise(vector);
      const keywordScores = normalise(keyword);
      for (const alpha of [undefined, 0.8, 1, 0]) {
        const hybrid = await query(storeId, { mode: 'hybrid', embedding, text, maxChunks: 6, reranker: { type: 'weighted', ...(alpha === undefined ? {} : { alpha }) } });
        const a = alpha ?? 0.5;
        expect(hybrid).toHaveLength(6);
        expectDescending(hybrid);
        const expected = (id: string) => a * (vectorScores.get(id) ?? 0) + (1 - a) * (keywordScores.get(id) ?? 0);
        for (const match of hybrid) expect(match.score).toBeCloseTo(expected(match.chunkId), 9);
        // The six best of the union, whichever of equal scores a provider picks.
        const best = [...new Set([...ids(vector), ...ids(keyword)])].map(expected).sort((x, y) => y - x).slice(0, 6);
        hybrid.forEach((match, index) => expect(match.score).toBeCloseTo(best[index]!, 9));
      }
    });

    it('drops matches scoring below score_threshold', async () => {
      const storeId = await newStore();
      const embedding = randomVector(random);
      const vector = await query(storeId, { mode: 'vector', embedding, maxChunks: 10 });
      const thresholded = await query(storeId, { mode: 'vector', embedding, maxChunks: 10, scoreThreshold: vector[3]!.score });
      expect(ids(thresholded)).toEqual(ids(vector.slice(0, 4)));
      const keyword = await query(storeId, { mode: 'keyword', text: 'alpaca blue', maxChunks: 10 });
      const keywordThresholded = await query(storeId, { mode: 'keyword', text: 'alpaca blue', maxChunks: 10, scoreThreshold: keyword[0]!.score });
      expect(keywordThresholded.length).toBeGreaterThan(0);
      for (const match of keywordThresholded) expect(match.score).toBeGreaterThanOrEqual(keyword[0]!.score);
      const hybrid = await query(storeId, { mode: 'hybrid', embedding, text: 'alpaca blue', maxChunks: 10, scoreThreshold: 1 / 61 + 1e-9 });
      for (const match of hybrid) expect(match.score).toBeGreaterThan(1 / 61);
      expect(await query(storeId, { mode: 'vector', embedding, scoreThreshold: 1.5 })).toEqual([]);
    });

    describe('attribute filters', () => {
      let storeId: string;
      beforeAll(async () => {
        storeId = await newStore();
      });

      it.each(FILTERS)('vector search honours %s', async (_, filter) => {
        const embedding = randomVector(random);
        const expected = bruteForceNearest(chunks, embedding, 5, filter);
        const matches = await query(storeId, { mode: 'vector', embedding, maxChunks: 5, filter });
        expect(ids(matches)).toEqual(expected.map((match) => match.chunkId));
      });

      it.each(FILTERS)('keyword search honours %s', async (_, filter) => {
        const matches = await query(storeId, { mode: 'keyword', text: 'llama blue', maxChunks: 40, filter });
        const expected = chunks.filter((chunk) => /llama|blue/.test(chunk.content) && matchesAttributeFilter(chunk.metadata, filter));
        expect(ids(matches).sort()).toEqual(ids(expected as unknown as ChunkMatch[]).sort());
      });

      it('hybrid search honours a filter', async () => {
        const filter: AttributeFilter = { type: 'eq', key: 'published', value: true };
        const matches = await query(storeId, { mode: 'hybrid', embedding: randomVector(random), text: 'guanaco', maxChunks: 10, filter });
        expect(matches).toHaveLength(10);
        for (const match of matches) expect(match.metadata.published).toBe(true);
      });
    });

    it('deletes the chunks of a file and chunks by id', async () => {
      const storeId = await newStore();
      const embedding = randomVector(random);
      await provider.deleteChunks(storeId, { fileId: 'file-even' });
      const remaining = await query(storeId, { mode: 'vector', embedding, maxChunks: 100 });
      expect(ids(remaining).sort()).toEqual(chunks.filter((_, index) => index % 2 === 1).map((chunk) => chunk.chunkId));
      expect(await query(storeId, { mode: 'keyword', text: 'number0 number2 number4' })).toEqual([]);
      await provider.deleteChunks(storeId, { chunkIds: ['chunk-01', 'chunk-03', 'not-there'] });
      const afterIds = await query(storeId, { mode: 'vector', embedding, maxChunks: 100 });
      expect(afterIds).toHaveLength(18);
      expect(ids(afterIds)).not.toContain('chunk-01');
      expect(await query(storeId, { mode: 'keyword', text: 'number3' })).toEqual([]);
      expect(ids(await query(storeId, { mode: 'keyword', text: 'number5' }))).toEqual(['chunk-05']);
    });

    it('re-registers a store idempotently and refuses another dimension', async () => {
      const storeId = await newStore(chunks.slice(0, 5));
      await provider.registerVectorStore({ id: storeId, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION });
      expect(await query(storeId, { mode: 'vector', embedding: randomVector(random), maxChunks: 100 })).toHaveLength(5);
      await expect(provider.registerVectorStore({ id: storeId, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION + 1 })).rejects.toMatchObject({ kind: 'conflict' });
    });

    it('keeps stores of different dimensions, and stores whose ids differ only in punctuation, apart', async () => {
      await provider.registerVectorStore({ id: 'vs-twin', embeddingModel: 'contract-embedding', embeddingDimension: 2 });
      await provider.registerVectorStore({ id: 'vs_twin', embeddingModel: 'contract-embedding', embeddingDimension: 3 });
      await provider.insertChunks('vs-twin', [{ chunkId: 'same-id', content: 'two', embedding: [1, 0], metadata: {} }]);
      await provider.insertChunks('vs_twin', [{ chunkId: 'same-id', content: 'three', embedding: [1, 0, 0], metadata: {} }]);
      expect((await query('vs-twin', { mode: 'keyword', text: 'two three' })).map((match) => match.content)).toEqual(['two']);
      expect((await query('vs_twin', { mode: 'hybrid', text: 'two three', embedding: [0, 1, 0] })).map((match) => match.content)).toEqual(['three']);
      await provider.unregisterVectorStore('vs-twin');
      expect(await query('vs_twin', { mode: 'vector', embedding: [1, 0, 0] })).toHaveLength(1);
      await provider.unregisterVectorStore('vs_twin');
    });

    it('drops a store and its chunks on unregister', async () => {
      const storeId = await newStore(chunks.slice(0, 5));
      await provider.unregisterVectorStore(storeId);
      await expect(query(storeId, { mode: 'vector', embedding: randomVector(random) })).rejects.toMatchObject({ kind: 'not_found' });
      await provider.registerVectorStore({ id: storeId, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION });
      expect(await query(storeId, { mode: 'vector', embedding: randomVector(random) })).toEqual([]);
      await provider.unregisterVectorStore(storeId);
    });

    it('keeps stores and chunks across a restart', async () => {
      const kept = await newStore();
      const dropped = await newStore(chunks.slice(0, 3));
      await provider.deleteChunks(kept, { chunkIds: ['chunk-39'] });
      await provider.unregisterVectorStore(dropped);
      await provider.updateChunkMetadata(kept, { fileId: 'file-odd' }, { category: 'retagged' });
      const embedding = randomVector(random);
      const before = await query(kept, { mode: 'hybrid', embedding, text: 'alpaca red', maxChunks: 10 });
      const listedBefore = await provider.listChunks(kept, { fileId: 'file-odd' }, { includeEmbeddings: true });

      await provider.shutdown?.();
      provider = await harness.open();

      expect(await query(kept, { mode: 'hybrid', embedding, text: 'alpaca red', maxChunks: 10 })).toEqual(before);
      expect(await provider.listChunks(kept, { fileId: 'file-odd' }, { includeEmbeddings: true })).toEqual(listedBefore);
      expect(ids(await query(kept, { mode: 'keyword', text: 'llama', maxChunks: 100, filter: { type: 'eq', key: 'category', value: 'retagged' } })).sort()).toEqual(
        chunks.filter((chunk, index) => index % 2 === 1 && index !== 39 && chunk.content.startsWith('llama')).map((chunk) => chunk.chunkId),
      );
      expect(await query(kept, { mode: 'vector', embedding, maxChunks: 100 })).toHaveLength(39);
      await expect(query(dropped, { mode: 'vector', embedding })).rejects.toMatchObject({ kind: 'not_found' });
      await provider.insertChunks(kept, [{ chunkId: 'after-restart', content: 'okapi', embedding, metadata: {} }]);
      expect(ids(await query(kept, { mode: 'keyword', text: 'okapi' }))).toEqual(['after-restart']);
    });
  });
}
