import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stemmer } from 'stemmer';

/**
 * A stand-in for an Elasticsearch 9 server on 127.0.0.1: the REST APIs remote::elasticsearch
 * uses, in Elasticsearch's documented shapes (https://www.elastic.co/docs/api/doc/elasticsearch):
 * info, index create / exists / get mapping / delete, `_bulk` (index, delete), `_delete_by_query`
 * and `_search` with the query DSL it sends (bool, match scored by BM25 over the english
 * analyzer, knn on a cosine dense_vector scored (1 + cosine) / 2, term, terms, range, ids,
 * nested, match_all, match_none), sort, search_after and `_source` filtering (vectors left out
 * unless `exclude_vectors: false`, as 9.x does). It answers with `X-Elastic-Product`, which the
 * client checks, and refuses requests without the API key when it has one.
 */

type Source = Record<string, unknown>;
type Query = Record<string, unknown>;

interface Index {
  mappings: { properties: Record<string, { type: string; dims?: number; properties?: Record<string, { type: string }> }> };
  documents: Map<string, Source>;
}

export interface ElasticsearchStandIn {
  url: string;
  port: number;
  indices: Map<string, Index>;
  close(): Promise<void>;
}

const STOP_WORDS = new Set('a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '));

/** The english analyzer: standard tokens, possessives dropped, lowercased, English stop words removed, Porter stems. */
export function englishTokens(text: string): string[] {
  return (text.match(/[\p{L}\p{N}\p{M}_]+(?:'[\p{L}\p{N}\p{M}_]+)*/gu) ?? [])
    .map((token) => token.replace(/'s$/i, '').toLowerCase())
    .filter((token) => token && !STOP_WORDS.has(token))
    .map((token) => stemmer(token));
}

function error(status: number, type: string, reason: string): [number, unknown] {
  return [status, { error: { root_cause: [{ type, reason }], type, reason }, status }];
}

function fieldType(index: Index, path: string): string | undefined {
  const [head, tail] = path.split('.', 2) as [string, string | undefined];
  const field = index.mappings.properties[head];
  return tail ? field?.properties?.[tail]?.type : field?.type;
}

function sameValue(type: string | undefined, actual: unknown, expected: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  if (type === 'double' || type === 'long' || type === 'integer') return Number(actual) === Number(expected);
  if (type === 'boolean') return actual === (expected === true || expected === 'true');
  return String(actual) === String(expected);
}

function inRange(type: string | undefined, actual: unknown, range: Record<string, unknown>): boolean {
  if (actual === undefined || actual === null) return false;
  const numeric = type === 'double' || type === 'long' || type === 'integer';
  const value = numeric ? Number(actual) : String(actual);
  const bound = (key: string) => (numeric ? Number(range[key]) : String(range[key]));
  return (
    (range.gt === undefined || value > bound('gt')) &&
    (range.gte === undefined || value >= bound('gte')) &&
    (range.lt === undefined || value < bound('lt')) &&
    (range.lte === undefined || value <= bound('lte'))
  );
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((value, position) => {
    dot += value * b[position]!;
    normA += value * value;
    normB += b[position]! * b[position]!;
  });
  return dot / Math.sqrt(normA * normB);
}

/** Searching one index: `score` answers a query's score for a document, or null when it does not match. */
class Searcher {
  private readonly lengths: Map<string, number>;
  private readonly averageLength: number;
  private readonly knnScores = new Map<Query, Map<string, number>>();

  constructor(private readonly index: Index) {
    this.lengths = new Map([...index.documents].map(([id, source]) => [id, englishTokens(String(source.content ?? '')).length]));
    this.averageLength = [...this.lengths.values()].reduce((sum, length) => sum + length, 0) / Math.max(1, this.lengths.size);
  }

  score(query: Query, id: string, source: Source, nestedPath?: string): number | null {
    const [kind, body] = Object.entries(query)[0] as [string, Record<string, unknown>];
    const value = (field: string) => (nestedPath ? source[field.slice(nestedPath.length + 1)] : source[field]);
    switch (kind) {
      case 'match_all':
        return 1;
      case 'match_none':
        return null;
      case 'bool': {
        const clauses = (name: string) => ([] as Query[]).concat((body[name] as Query | Query[] | undefined) ?? []);
        let total = 0;
        for (const clause of clauses('must')) {
          const score = this.score(clause, id, source, nestedPath);
          if (score === null) return null;
          total += score;
        }
        for (const clause of clauses('filter')) if (this.score(clause, id, source, nestedPath) === null) return null;
        for (const clause of clauses('must_not')) if (this.score(clause, id, source, nestedPath) !== null) return null;
        const should = clauses('should').map((clause) => this.score(clause, id, source, nestedPath)).filter((score): score is number => score !== null);
        const required = body.minimum_should_match ?? (clauses('must').length || clauses('filter').length ? 0 : clauses('should').length ? 1 : 0);
        if (should.length < Number(required)) return null;
        total += should.reduce((sum, score) => sum + score, 0);
        return clauses('must').length || should.length ? total : 0;
      }
      case 'term': {
        const [field, spec] = Object.entries(body)[0]!;
        const expected = spec !== null && typeof spec === 'object' ? (spec as { value: unknown }).value : spec;
        return sameValue(fieldType(this.index, field), value(field), expected) ? 1 : null;
      }
      case 'terms': {
        const [field, values] = Object.entries(body)[0]! as [string, unknown[]];
        return values.some((expected) => sameValue(fieldType(this.index, field), value(field), expected)) ? 1 : null;
      }
      case 'range': {
        const [field, range] = Object.entries(body)[0]! as [string, Record<string, unknown>];
        return inRange(fieldType(this.index, field), value(field), range) ? 1 : null;
      }
      case 'ids':
        return (body.values as string[]).includes(id) ? 1 : null;
      case 'nested': {
        const path = body.path as string;
        const elements = (source[path] as Source[] | undefined) ?? [];
        const scores = elements.map((element) => this.score(body.query as Query, id, element, path)).filter((score): score is number => score !== null);
        return scores.length ? Math.max(...scores) : null;
      }
      case 'match': {
        const [field, spec] = Object.entries(body)[0]!;
        const text = spec !== null && typeof spec === 'object' ? String((spec as { query: unknown }).query) : String(spec);
        return this.bm25(field, englishTokens(text), id, source);
      }
      case 'knn':
        return this.knn(body, query).get(id) ?? null;
      default:
        throw Object.assign(new Error(`unknown query [${kind}]`), { type: 'parsing_exception' });
    }
  }

  /** Lucene's BM25 (k1 1.2, b 0.75): Σ idf × freq / (freq + k1 × (1 − b + b × length / average length)). */
  private bm25(field: string, terms: string[], id: string, source: Source): number | null {
    const tokens = englishTokens(String(source[field] ?? ''));
    let total = 0;
    let matched = false;
    for (const term of terms) {
      const frequency = tokens.filter((token) => token === term).length;
      if (frequency === 0) continue;
      matched = true;
      const df = [...this.index.documents.values()].filter((document) => englishTokens(String(document[field] ?? '')).includes(term)).length;
      const idf = Math.log(1 + (this.index.documents.size - df + 0.5) / (df + 0.5));
      total += (idf * frequency) / (frequency + 1.2 * (1 - 0.75 + (0.75 * this.lengths.get(id)!) / this.averageLength));
    }
    return matched ? total : null;
  }

  /** The k nearest documents passing the knn's filter, scored (1 + cosine) / 2 (exact: the stand-in has no HNSW graph). */
  private knn(body: Record<string, unknown>, query: Query): Map<string, number> {
    let scores = this.knnScores.get(query);
    if (!scores) {
      const vector = body.query_vector as number[];
      const filters = ([] as Query[]).concat((body.filter as Query | Query[] | undefined) ?? []);
      const dims = this.index.mappings.properties[body.field as string]?.dims;
      if (vector.length !== dims) throw Object.assign(new Error(`The query vector has a different number of dimensions [${vector.length}] than the document vectors [${dims}].`), { type: 'illegal_argument_exception' });
      const ranked = [...this.index.documents]
        .filter(([id, source]) => filters.every((filter) => this.score(filter, id, source) !== null))
        .map(([id, source]) => [id, (1 + cosine(source[body.field as string] as number[], vector)) / 2] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, Number(body.k));
      scores = new Map(ranked);
      this.knnScores.set(query, scores);
    }
    return scores;
  }
}

function filterSource(source: Source, spec: unknown, index: Index): Source {
  const vectorFields = Object.entries(index.mappings.properties).filter(([, field]) => field.type === 'dense_vector').map(([name]) => name);
  const options = (spec ?? {}) as { excludes?: string[]; exclude_vectors?: boolean };
  const excluded = new Set([...(options.excludes ?? []), ...(options.exclude_vectors === false ? [] : vectorFields)]);
  return Object.fromEntries(Object.entries(source).filter(([key]) => !excluded.has(key)));
}

export async function startElasticsearchStandIn(options: { apiKey?: string } = {}): Promise<ElasticsearchStandIn> {
  const indices = new Map<string, Index>();

  const search = (name: string, index: Index, body: Record<string, unknown>): [number, unknown] => {
    const searcher = new Searcher(index);
    const query = (body.query as Query | undefined) ?? { match_all: {} };
    let hits = [...index.documents]
      .map(([id, source]) => ({ id, source, score: searcher.score(query, id, source) }))
      .filter((hit): hit is { id: string; source: Source; score: number } => hit.score !== null && (body.min_score === undefined || hit.score >= Number(body.min_score)));
    const sort = body.sort as Record<string, string>[] | undefined;
    if (sort) {
      const [field, direction] = Object.entries(sort[0]!)[0]!;
      const sign = direction === 'desc' ? -1 : 1;
      hits.sort((a, b) => sign * (Number(a.source[field]) - Number(b.source[field])));
      const after = body.search_after as number[] | undefined;
      if (after) hits = hits.filter((hit) => sign * (Number(hit.source[field]) - after[0]!) > 0);
    } else {
      hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    }
    const size = body.size === undefined ? 10 : Number(body.size);
    const page = hits.slice(0, size);
    const sortField = sort ? Object.keys(sort[0]!)[0]! : undefined;
    return [
      200,
      {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: { value: hits.length, relation: 'eq' },
          max_score: sort ? null : (page[0]?.score ?? null),
          hits: page.map((hit) => ({
            _index: name,
            _id: hit.id,
            _score: sort ? null : hit.score,
            _source: filterSource(hit.source, body._source, index),
            ...(sortField ? { sort: [hit.source[sortField]] } : {}),
          })),
        },
      },
    ];
  };

  const handle = (request: IncomingMessage, text: string): [number, unknown] => {
    if (options.apiKey && request.headers.authorization !== `ApiKey ${options.apiKey}`) {
      return error(401, 'security_exception', 'missing authentication credentials for REST request [/]');
    }
    const url = new URL(request.url!, 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method!;
    if (parts.length === 0) {
      return [200, { name: 'stand-in', cluster_name: 'elasticsearch', cluster_uuid: 'stand-in', version: { number: '9.1.0', build_flavor: 'default', lucene_version: '10.2.2' }, tagline: 'You Know, for Search' }];
    }
    if (parts[0] === '_bulk' && method !== 'GET') {
      const lines = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, Record<string, string>>);
      const items: unknown[] = [];
      let failed = false;
      for (let position = 0; position < lines.length; position++) {
        const [action, meta] = Object.entries(lines[position]!)[0]!;
        const index = indices.get(meta._index!);
        if (!index) {
          failed = true;
          items.push({ [action]: { _index: meta._index, _id: meta._id, status: 404, error: { type: 'index_not_found_exception', reason: `no such index [${meta._index}]` } } });
          if (action === 'index') position++;
          continue;
        }
        if (action === 'delete') {
          const existed = index.documents.delete(meta._id!);
          items.push({ delete: { _index: meta._index, _id: meta._id, _version: 1, result: existed ? 'deleted' : 'not_found', status: existed ? 200 : 404 } });
          continue;
        }
        const source = lines[++position] as Source;
        const vectors = Object.entries(index.mappings.properties).filter(([, field]) => field.type === 'dense_vector');
        const wrong = vectors.find(([field, mapping]) => Array.isArray(source[field]) && (source[field] as number[]).length !== mapping.dims);
        if (wrong) {
          failed = true;
          items.push({ index: { _index: meta._index, _id: meta._id, status: 400, error: { type: 'document_parsing_exception', reason: `[1:1] failed to parse: The [dense_vector] field [${wrong[0]}] in doc has a different number of dimensions [${(source[wrong[0]] as number[]).length}] than defined in the mapping [${wrong[1].dims}]` } } });
          continue;
        }
        const existed = index.documents.has(meta._id!);
        index.documents.set(meta._id!, structuredClone(source));
        items.push({ index: { _index: meta._index, _id: meta._id, _version: 1, result: existed ? 'updated' : 'created', status: existed ? 200 : 201, _shards: { total: 1, successful: 1, failed: 0 } } });
      }
      return [200, { took: 1, errors: failed, items }];
    }
    const name = parts[0]!;
    const index = indices.get(name);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (parts.length === 1) {
      if (method === 'HEAD') return [index ? 200 : 404, undefined];
      if (method === 'PUT') {
        if (index) return error(400, 'resource_already_exists_exception', `index [${name}/stand-in] already exists`);
        indices.set(name, { mappings: body.mappings as Index['mappings'], documents: new Map() });
        return [200, { acknowledged: true, shards_acknowledged: true, index: name }];
      }
      if (method === 'DELETE') {
        if (!index && url.searchParams.get('ignore_unavailable') !== 'true') return error(404, 'index_not_found_exception', `no such index [${name}]`);
        indices.delete(name);
        return [200, { acknowledged: true }];
      }
    }
    if (!index) return error(404, 'index_not_found_exception', `no such index [${name}]`);
    if (parts[1] === '_mapping' && method === 'GET') return [200, { [name]: { mappings: index.mappings } }];
    if (parts[1] === '_search') return search(name, index, body);
    if (parts[1] === '_delete_by_query' && method === 'POST') {
      const searcher = new Searcher(index);
      const doomed = [...index.documents].filter(([id, source]) => searcher.score(body.query as Query, id, source) !== null).map(([id]) => id);
      for (const id of doomed) index.documents.delete(id);
      return [200, { took: 1, timed_out: false, total: doomed.length, deleted: doomed.length, batches: 1, version_conflicts: 0, noops: 0, retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1, throttled_until_millis: 0, failures: [] }];
    }
    return error(400, 'illegal_argument_exception', `no handler found for uri [${url.pathname}] and method [${method}]`);
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let status: number;
      let reply: unknown;
      try {
        [status, reply] = handle(request, Buffer.concat(chunks).toString('utf8'));
      } catch (failure) {
        [status, reply] = error(400, (failure as { type?: string }).type ?? 'parsing_exception', (failure as Error).message);
      }
      response.writeHead(status, { 'content-type': 'application/vnd.elasticsearch+json;compatible-with=9', 'x-elastic-product': 'Elasticsearch' });
      response.end(reply === undefined ? undefined : JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, indices, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
