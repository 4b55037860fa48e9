import { type ChunkMatch, type ChunkReranker, DEFAULT_RRF_IMPACT_FACTOR, DEFAULT_WEIGHTED_ALPHA } from '@cria/api';

/** Min-max normalisation to [0, 1]; every score is 1 when they are all equal. */
function normalised(matches: readonly ChunkMatch[]): Map<string, number> {
  const scores = matches.map((match) => match.score);
  const low = Math.min(...scores);
  const range = Math.max(...scores) - low;
  return new Map(matches.map((match) => [match.chunkId, range > 0 ? (match.score - low) / range : 1]));
}

/**
 * Merges the vector and keyword rankings (each best first) of a hybrid query, for providers that
 * run the two searches apart. RRF scores a chunk Σ 1 / (impactFactor + rank) over the lists it
 * appears in; weighted scores it alpha × vector + (1 − alpha) × keyword on min-max normalised
 * scores, 0 where it is absent. Returns every chunk of either list, best first (ties keep the
 * vector list's order).
 */
export function fuseRankings(vector: readonly ChunkMatch[], keyword: readonly ChunkMatch[], reranker: ChunkReranker | undefined): ChunkMatch[] {
  const chunks = new Map<string, ChunkMatch>();
  for (const match of [...vector, ...keyword]) if (!chunks.has(match.chunkId)) chunks.set(match.chunkId, match);
  const scores = new Map<string, number>();
  if (reranker?.type === 'weighted') {
    const alpha = reranker.alpha ?? DEFAULT_WEIGHTED_ALPHA;
    const vectorScores = normalised(vector);
    const keywordScores = normalised(keyword);
    for (const id of chunks.keys()) scores.set(id, alpha * (vectorScores.get(id) ?? 0) + (1 - alpha) * (keywordScores.get(id) ?? 0));
  } else {
    const impactFactor = reranker?.impactFactor ?? DEFAULT_RRF_IMPACT_FACTOR;
    for (const ranking of [vector, keyword]) {
      ranking.forEach((match, index) => scores.set(match.chunkId, (scores.get(match.chunkId) ?? 0) + 1 / (impactFactor + index + 1)));
    }
  }
  const order = [...chunks.keys()];
  return order
    .map((id, position) => ({ match: { ...chunks.get(id)!, score: scores.get(id)! }, position }))
    .sort((a, b) => b.match.score - a.match.score || a.position - b.position)
    .map(({ match }) => match);
}

/** The matches scoring at least `threshold`; all of them when there is none. */
export function withinScoreThreshold(matches: ChunkMatch[], threshold: number | null | undefined): ChunkMatch[] {
  return threshold === undefined || threshold === null ? matches : matches.filter((match) => match.score >= threshold);
}
