import { stemmer } from 'stemmer';

/** BM25's term-frequency saturation and length normalisation (the usual values, FTS5's too). */
const K1 = 1.2;
const B = 0.75;

/** The stemmed lower-case words of a text, in order: what keyword search compares. */
export function keywordTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => stemmer(word));
}

/**
 * The substrings whose presence in a document Chroma is asked for (`$contains`), to narrow the
 * candidates before they are scored here: each query word and its stem, in lower case, capitalised
 * and upper case.
 */
export function containsProbes(text: string): string[] {
  const probes = new Set<string>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    for (const form of new Set([word, stemmer(word)])) {
      probes.add(form);
      probes.add(form[0]!.toUpperCase() + form.slice(1));
      probes.add(form.toUpperCase());
    }
  }
  return [...probes];
}

/**
 * BM25 scores of `documents` for `queryTerms`: documents holding none of the terms are left out.
 * `collectionSize` is the number of documents in the whole collection (for the inverse document
 * frequency); document frequencies and the average length come from `documents`, which hold
 * every document with any of the terms.
 */
export function bm25(queryTerms: readonly string[], documents: readonly { id: string; text: string }[], collectionSize: number): Map<string, number> {
  const wanted = new Set(queryTerms);
  const termCounts = documents.map((document) => {
    const terms = keywordTerms(document.text);
    const counts = new Map<string, number>();
    for (const term of terms) if (wanted.has(term)) counts.set(term, (counts.get(term) ?? 0) + 1);
    return { id: document.id, length: terms.length, counts };
  });
  const matching = termCounts.filter((document) => document.counts.size > 0);
  if (matching.length === 0) return new Map();
  const averageLength = matching.reduce((sum, document) => sum + document.length, 0) / matching.length;
  const documentFrequency = new Map<string, number>();
  for (const document of matching) for (const term of document.counts.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const total = Math.max(collectionSize, matching.length);
  const scores = new Map<string, number>();
  for (const document of matching) {
    let score = 0;
    for (const [term, frequency] of document.counts) {
      const df = documentFrequency.get(term)!;
      const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
      score += (idf * frequency * (K1 + 1)) / (frequency + K1 * (1 - B + (B * document.length) / averageLength));
    }
    scores.set(document.id, score);
  }
  return scores;
}
