import { describe, expect, it } from 'vitest';
import type { ChunkMatch } from '@cria/api';
import { fuseRankings, withinScoreThreshold } from './vector-io-ranking.js';

function match(chunkId: string, score: number): ChunkMatch {
  return { chunkId, content: chunkId, metadata: {}, chunkMetadata: {}, score };
}

describe('fuseRankings', () => {
  const vector = [match('a', 0.9), match('b', 0.8), match('c', 0.1)];
  const keyword = [match('c', 12), match('d', 3)];

  it('scores by reciprocal rank (impact factor 60 by default), ties in the order the lists give', () => {
    const fused = fuseRankings(vector, keyword, undefined);
    expect(fused.map((entry) => entry.chunkId)).toEqual(['c', 'a', 'b', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 63 + 1 / 61, 10);
    expect(fused[1]!.score).toBeCloseTo(1 / 61, 10);
    expect(fuseRankings(vector, keyword, { type: 'rrf', impactFactor: 1 })[0]!.score).toBeCloseTo(1 / 4 + 1 / 2, 10);
  });

  it('weighs min-max normalised scores by alpha, 0 where a chunk is absent, ties in vector order', () => {
    const fused = fuseRankings(vector, keyword, { type: 'weighted', alpha: 0.5 });
    expect(fused.map((entry) => [entry.chunkId, Number(entry.score.toFixed(4))])).toEqual([
      ['a', 0.5],
      ['c', 0.5],
      ['b', 0.4375],
      ['d', 0],
    ]);
    expect(fuseRankings(vector, keyword, { type: 'weighted', alpha: 1 }).map((entry) => entry.chunkId)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('withinScoreThreshold', () => {
  it('drops matches below the threshold, and keeps all without one', () => {
    const matches = [match('a', 0.9), match('b', 0.2)];
    expect(withinScoreThreshold(matches, 0.5).map((entry) => entry.chunkId)).toEqual(['a']);
    expect(withinScoreThreshold(matches, null)).toBe(matches);
  });
});
