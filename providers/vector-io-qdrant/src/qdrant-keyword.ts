import snowball from 'snowball-stemmers';

const english = snowball.newStemmer('english');

/** BM25's parameters (Robertson's usual values, as Elasticsearch and Lucene use). */
const K1 = 1.2;
const B = 0.75;

/**
 * The words of a text as Qdrant's `word` tokenizer with `lowercase` and the English snowball
 * stemmer indexes them: runs of letters, marks and digits, lowercased, stemmed.
 */
export function qdrantTokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).map((word) => english.stem(word));
}

/** The distinct lowercased words of a query, each becoming one `match.text` condition. */
export function queryWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])];
}

/**
 * BM25 scores of the chunks that contain at least one query term (every chunk containing a term
 * is among them, so document frequencies are exact); `total` is the collection's size. The
 * average length is that of the matched chunks, since Qdrant keeps no corpus statistics.
 */
export function bm25Scores(query: string, contents: readonly string[], total: number): number[] {
  const terms = [...new Set(qdrantTokens(query))];
  const documents = contents.map((content) => qdrantTokens(content));
  const averageLength = documents.reduce((sum, tokens) => sum + tokens.length, 0) / Math.max(1, documents.length);
  const frequency = new Map(terms.map((term) => [term, documents.filter((tokens) => tokens.includes(term)).length]));
  return documents.map((tokens) =>
    terms.reduce((score, term) => {
      const count = tokens.filter((token) => token === term).length;
      if (count === 0) return score;
      const df = frequency.get(term)!;
      const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
      return score + (idf * count * (K1 + 1)) / (count + K1 * (1 - B + (B * tokens.length) / Math.max(1, averageLength)));
    }, 0),
  );
}
