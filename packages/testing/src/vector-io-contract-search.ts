import { beforeAll, describe, expect, it } from 'vitest';
import type { AttributeFilter, ChunkMatch, ChunkQuery } from '@cria/api';
import { matchesAttributeFilter } from '@cria/provider-utils/vector-io';
import { bruteForceNearest, expectDescending, FILTERS, ids, randomVector, type VectorIOContractSuite } from './vector-io-contract-corpus.js';

/** The search half of the vector IO contract: vector, keyword and hybrid queries, thresholds and filters. */

/** Vector search finds what brute force finds. */
export function nearestNeighbourTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  it('finds the nearest chunks by cosine similarity, best first', async () => {
    const storeId = await newStore();
    for (let attempt = 0; attempt < 5; attempt++) {
      const embedding = randomVector(random);
      const matches = await query(storeId, { mode: 'vector', embedding, maxChunks: 5 });
      const expected = bruteForceNearest(chunks, embedding, 5);
      expect(ids(matches)).toEqual(ids(expected));
      matches.forEach((match, index) => expect(match.score).toBeCloseTo(expected[index]!.score, 4));
    }
    const [top] = await query(storeId, { mode: 'vector', embedding: chunks[3]!.embedding, maxChunks: 1 });
    expect(top).toEqual({ chunkId: 'chunk-03', content: chunks[3]!.content, metadata: chunks[3]!.metadata, chunkMetadata: chunks[3]!.chunkMetadata, score: expect.closeTo(1, 4) });
    expect(await query(storeId, { mode: 'vector', embedding: chunks[0]!.embedding, maxChunks: 100 })).toHaveLength(chunks.length);
  });
}

/** Malformed queries are refused with the parameter named. */
export function queryValidationTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  it('refuses malformed queries', async () => {
    const storeId = await newStore(chunks.slice(0, 3));
    const embedding = randomVector(random);
    await expect(query(storeId, { mode: 'vector', embedding: [1, 0] })).rejects.toMatchObject({ kind: 'invalid_request', param: 'embedding' });
    await expect(query(storeId, { mode: 'hybrid', text: 'llama' })).rejects.toMatchObject({ kind: 'invalid_request', param: 'embedding' });
    await expect(query(storeId, { mode: 'keyword' })).rejects.toMatchObject({ kind: 'invalid_request' });
    await expect(query(storeId, { mode: 'semantic' as ChunkQuery['mode'], embedding })).rejects.toMatchObject({ kind: 'invalid_request', param: 'mode' });
    await expect(query(storeId, { mode: 'vector', embedding, maxChunks: 0 })).rejects.toMatchObject({ kind: 'invalid_request', param: 'max_chunks' });
  });
}

/** Keyword search, both hybrid rerankers, and score thresholds. */
export function rankingTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
  if (!suite.keywordSearch) {
    it('refuses keyword and hybrid search as unsupported, and drops vector matches below score_threshold', async () => {
      const storeId = await newStore();
      const embedding = randomVector(random);
      await expect(query(storeId, { mode: 'keyword', text: 'llama' })).rejects.toMatchObject({ kind: 'unsupported', message: expect.stringContaining('keyword') });
      await expect(query(storeId, { mode: 'hybrid', embedding, text: 'llama' })).rejects.toMatchObject({ kind: 'unsupported', message: expect.stringContaining('hybrid') });
      const vector = await query(storeId, { mode: 'vector', embedding, maxChunks: 10 });
      expect(ids(await query(storeId, { mode: 'vector', embedding, maxChunks: 10, scoreThreshold: vector[3]!.score }))).toEqual(ids(vector.slice(0, 4)));
      expect(await query(storeId, { mode: 'vector', embedding, scoreThreshold: 1.5 })).toEqual([]);
    });
    return;
  }
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
}

/** Every filter of FILTERS, in every search mode. */
export function attributeFilterTests(suite: VectorIOContractSuite): void {
  const { chunks, random, newStore, query } = suite;
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

    if (!suite.keywordSearch) return;

    it.each(FILTERS)('keyword search honours %s', async (_, filter) => {
      const matches = await query(storeId, { mode: 'keyword', text: 'llama blue', maxChunks: 40, filter });
      const expected = chunks.filter((chunk) => /llama|blue/.test(chunk.content) && matchesAttributeFilter(chunk.metadata, filter));
      expect(ids(matches).sort()).toEqual(ids(expected).sort());
    });

    it('hybrid search honours a filter', async () => {
      const filter: AttributeFilter = { type: 'eq', key: 'published', value: true };
      const matches = await query(storeId, { mode: 'hybrid', embedding: randomVector(random), text: 'guanaco', maxChunks: 10, filter });
      expect(matches).toHaveLength(10);
      for (const match of matches) expect(match.metadata.published).toBe(true);
    });
  });
}
