import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an Infinispan server (15, REST API v3) on 127.0.0.1: the calls remote::infinispan
 * makes, in Infinispan's documented shapes (https://infinispan.org/docs/stable/titles/rest/rest.html):
 * `GET /rest/v3/server`; caches (HEAD to test, POST with an XML configuration naming the indexed
 * entity, DELETE); protobuf schemas PUT into `___protobuf_metadata`; entries PUT as JSON with
 * `_type` and DELETEd by key; and `POST …/_search` with an Ickle query, answering
 * `{hit_count, hit_count_exact, hits: [{hit}]}` where a projection `i, score(i)` gives
 * `{"*": entity, "score()": score}`. The Ickle reader takes exactly the forms the provider sends:
 * `[SELECT i, score(i)] FROM Entity i [WHERE …] [ORDER BY i.field]`, the WHERE being a kNN
 * predicate (`i.floatVector <-> [...] ~ k`, COSINE scored (1 + cosine) / 2 as Lucene does), `OR`ed
 * full-text terms (`i.field : 'word'`, BM25 on whitespace tokens), `i.field = 'text'` or
 * `i.field IN ('a', …)`. With credentials it demands HTTP Digest (RFC 7616, qop=auth, MD5 or
 * SHA-256) or Basic, answering 401 with a `WWW-Authenticate` challenge otherwise.
 */

type Entity = Record<string, unknown> & { _type: string };

interface StandInCache {
  configuration: string;
  indexedEntities: string[];
  entries: Map<string, Entity>;
}

export interface InfinispanStandIn {
  url: string;
  caches: Map<string, StandInCache>;
  /** Schemas by name, as PUT. */
  schemas: Map<string, string>;
  /** The Authorization schemes of the requests received, in order. */
  authorizations: string[];
  close(): Promise<void>;
}

export interface InfinispanStandInOptions {
  credentials?: { username: string; password: string };
  /** The Digest algorithm challenged with, MD5 by default. */
  algorithm?: 'MD5' | 'SHA-256';
}

class IckleError extends Error {}

type Token = { kind: 'word' | 'string' | 'number' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|(<->|[[\](),.~:=*])|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < source.length && (match = pattern.exec(source))) {
    if (match[1]) tokens.push({ kind: 'punct', text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2].replace(/''/g, "'") });
    else if (match[3]) tokens.push({ kind: 'number', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'word', text: match[4] });
  }
  if (pattern.lastIndex < source.length) throw new IckleError(`ISPN028526: Invalid query: ${source}; Parser error: unexpected character at ${pattern.lastIndex}`);
  return tokens;
}

type Predicate =
  | { kind: 'knn'; field: string; vector: number[]; k: number }
  | { kind: 'text'; field: string; terms: string[] }
  | { kind: 'eq'; field: string; value: string }
  | { kind: 'in'; field: string; values: string[] };

interface IckleQuery {
  projection: 'entity' | 'entity-and-score';
  entity: string;
  where?: Predicate;
  orderBy?: { field: string; descending: boolean };
}

function parseIckle(source: string): IckleQuery {
  const tokens = tokenize(source);
  let position = 0;
  const fail = (): never => {
    throw new IckleError(`ISPN028526: Invalid query: ${source}; Parser error: unexpected ${tokens[position]?.text ?? 'end of query'}`);
  };
  const keyword = (text: string) => {
    if (tokens[position]?.kind === 'word' && tokens[position]!.text.toUpperCase() === text) return Boolean(++position);
    return false;
  };
  const expect = (text: string) => (tokens[position]?.text === text ? position++ : fail());
  const word = () => (tokens[position]?.kind === 'word' ? tokens[position++]!.text : fail());
  const string = () => (tokens[position]?.kind === 'string' ? tokens[position++]!.text : fail());
  const number = () => (tokens[position]?.kind === 'number' ? Number(tokens[position++]!.text) : fail());

  let projection: IckleQuery['projection'] = 'entity';
  let alias = '';
  if (keyword('SELECT')) {
    alias = word();
    expect(',');
    if (word().toLowerCase() !== 'score') fail();
    expect('(');
    if (word() !== alias) fail();
    expect(')');
    projection = 'entity-and-score';
  }
  if (!keyword('FROM')) fail();
  const entity = word();
  const declared = word();
  if (alias && declared !== alias) fail();
  alias = declared;
  const field = () => {
    if (word() !== alias) fail();
    expect('.');
    return word();
  };
  let where: Predicate | undefined;
  if (keyword('WHERE')) {
    const first = field();
    const operator = tokens[position]?.text;
    if (operator === '<->') {
      position++;
      expect('[');
      const vector: number[] = [];
      while (tokens[position]?.text !== ']') {
        vector.push(number());
        if (tokens[position]?.text === ',') position++;
      }
      position++;
      expect('~');
      where = { kind: 'knn', field: first, vector, k: number() };
    } else if (operator === ':') {
      position++;
      const terms = [string()];
      while (keyword('OR')) {
        if (field() !== first) fail();
        expect(':');
        terms.push(string());
      }
      where = { kind: 'text', field: first, terms };
    } else if (operator === '=') {
      position++;
      where = { kind: 'eq', field: first, value: string() };
    } else if (keyword('IN')) {
      expect('(');
      const values = [string()];
      while (tokens[position]?.text === ',') {
        position++;
        values.push(string());
      }
      expect(')');
      where = { kind: 'in', field: first, values };
    } else fail();
  }
  let orderBy: IckleQuery['orderBy'];
  if (keyword('ORDER')) {
    if (!keyword('BY')) fail();
    orderBy = { field: field(), descending: keyword('DESC') || (keyword('ASC') && false) };
  }
  if (position !== tokens.length) fail();
  return { projection, entity, where, orderBy };
}

/** The message names and the `@Vector(dimension=…)` of each, from registered schemas. */
function registeredEntities(schemas: Map<string, string>): Map<string, number | undefined> {
  const entities = new Map<string, number | undefined>();
  for (const schema of schemas.values()) {
    for (const match of schema.matchAll(/message\s+(\w+)\s*\{([^}]*)\}/g)) entities.set(match[1]!, Number(/@Vector\(dimension=(\d+)/.exec(match[2]!)?.[1]) || undefined);
  }
  return entities;
}

function cosine(a: number[], b: number[]): number {
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

/** Lucene's BM25 (k1 1.2, b 0.75) over whitespace tokens, the terms OR-ed (scores summed). */
function bm25(entries: Entity[], field: string, terms: string[]): Map<Entity, number> {
  const tokensOf = (entry: Entity) => String(entry[field] ?? '').split(/\s+/).filter(Boolean);
  const lengths = entries.map((entry) => tokensOf(entry).length);
  const average = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, lengths.length);
  const scores = new Map<Entity, number>();
  for (const entry of entries) {
    const tokens = tokensOf(entry);
    let score = 0;
    for (const term of new Set(terms)) {
      const frequency = tokens.filter((token) => token === term).length;
      if (!frequency) continue;
      const containing = entries.filter((each) => tokensOf(each).includes(term)).length;
      const idf = Math.log(1 + (entries.length - containing + 0.5) / (containing + 0.5));
      score += (idf * frequency) / (frequency + 1.2 * (1 - 0.75 + (0.75 * tokens.length) / average));
    }
    if (score > 0) scores.set(entry, score);
  }
  return scores;
}

export async function startInfinispanStandIn(options: InfinispanStandInOptions = {}): Promise<InfinispanStandIn> {
  const caches = new Map<string, StandInCache>();
  const schemas = new Map<string, string>();
  const authorizations: string[] = [];
  const nonces = new Set<string>();
  const algorithm = options.algorithm ?? 'MD5';
  const failure = (status: number, message: string): [number, unknown] => [status, { error: { message, cause: message } }];

  const authorized = (request: IncomingMessage): boolean => {
    const header = request.headers.authorization ?? '';
    authorizations.push(header.split(' ')[0] ?? '');
    if (!options.credentials) return true;
    const { username, password } = options.credentials;
    if (header.startsWith('Basic ')) return Buffer.from(header.slice(6), 'base64').toString() === `${username}:${password}`;
    if (!header.startsWith('Digest ')) return false;
    const fields: Record<string, string> = {};
    for (const match of header.slice(7).matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) fields[match[1]!] = match[2] ?? match[3]!;
    if (!nonces.has(fields.nonce!) || fields.username !== username || fields.uri !== request.url || fields.qop !== 'auth' || fields.algorithm !== algorithm) return false;
    const hash = (text: string) => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(text).digest('hex');
    const expected = hash(`${hash(`${username}:default:${password}`)}:${fields.nonce}:${fields.nc}:${fields.cnonce}:auth:${hash(`${request.method}:${request.url}`)}`);
    return fields.response === expected;
  };

  const search = (cache: StandInCache, body: { query: string; max_results?: number; offset?: number }): [number, unknown] => {
    const query = parseIckle(body.query);
    const entities = registeredEntities(schemas);
    if (!entities.has(query.entity)) return failure(400, `ISPN014036: Unknown entity name: '${query.entity}'`);
    if (!cache.indexedEntities.includes(query.entity)) return failure(400, `ISPN014036: The cache is not indexed for '${query.entity}'`);
    let entries = [...cache.entries.values()].filter((entry) => entry._type === query.entity);
    let scored: { entry: Entity; score: number }[];
    const where = query.where;
    if (where?.kind === 'knn') {
      const dimension = entities.get(query.entity);
      if (where.vector.length !== dimension) return failure(400, `ISPN014105: Vector dimension ${where.vector.length} does not match the field dimension ${dimension}`);
      scored = entries
        .map((entry) => ({ entry, score: (1 + cosine(entry[where.field] as number[], where.vector)) / 2 }))
        .sort((a, b) => b.score - a.score)
        .slice(0, where.k);
    } else if (where?.kind === 'text') {
      const scores = bm25(entries, where.field, where.terms);
      scored = [...scores.entries()].map(([entry, score]) => ({ entry, score })).sort((a, b) => b.score - a.score || String(a.entry.id).localeCompare(String(b.entry.id)));
    } else {
      if (where?.kind === 'eq') entries = entries.filter((entry) => entry[where.field] === where.value);
      if (where?.kind === 'in') entries = entries.filter((entry) => where.values.includes(entry[where.field] as string));
      scored = entries.map((entry) => ({ entry, score: 1 }));
    }
    if (query.orderBy) {
      const { field, descending } = query.orderBy;
      scored.sort((a, b) => (descending ? -1 : 1) * ((a.entry[field] as number) - (b.entry[field] as number)));
    }
    const offset = body.offset ?? 0;
    const page = scored.slice(offset, offset + (body.max_results ?? 100));
    return [
      200,
      {
        hit_count: scored.length,
        hit_count_exact: true,
        hits: page.map(({ entry, score }) => ({ hit: query.projection === 'entity-and-score' ? { '*': entry, 'score()': score } : entry })),
      },
    ];
  };

  const handle = (request: IncomingMessage, text: string): [number, unknown] => {
    const { pathname } = new URL(request.url!, 'http://localhost');
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method!;
    if (parts[0] !== 'rest' || parts[1] !== 'v3') return failure(404, `ISPN012004: ${pathname} not found`);
    if (parts[2] === 'server' && parts.length === 3 && method === 'GET') return [200, { version: '15.0.10.Final' }];
    if (parts[2] !== 'caches' || !parts[3]) return failure(404, `ISPN012004: ${pathname} not found`);
    const name = parts[3];
    if (name === '___protobuf_metadata' && parts[4] === 'entries' && parts[5] && method === 'PUT') {
      if (!parts[5].endsWith('.proto')) return failure(400, 'ISPN028018: The key must be a string ending with ".proto"');
      schemas.set(parts[5], text);
      return [204, null];
    }
    const cache = caches.get(name);
    if (parts.length === 4) {
      if (method === 'HEAD') return [cache ? 204 : 404, null];
      if (method === 'POST') {
        if (cache) return failure(409, `ISPN000507: Cache ${name} already exists`);
        const declared = /<distributed-cache\s+name="([^"]*)"/.exec(text)?.[1]?.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
        if (declared !== name) return failure(400, `ISPN000961: The cache configuration names '${declared}', not '${name}'`);
        const indexedEntities = [...text.matchAll(/<indexed-entity>([^<]+)<\/indexed-entity>/g)].map((match) => match[1]!);
        const unknown = indexedEntities.find((entity) => !registeredEntities(schemas).has(entity));
        if (unknown) return failure(400, `ISPN014031: The declared indexed type '${unknown}' is not known. Please register its proto schema file first`);
        caches.set(name, { configuration: text, indexedEntities, entries: new Map() });
        return [200, null];
      }
      if (method === 'DELETE') {
        if (!cache) return failure(404, `ISPN000436: Cache '${name}' has not been configured`);
        caches.delete(name);
        return [204, null];
      }
    }
    if (!cache) return failure(404, `ISPN000436: Cache '${name}' has not been configured`);
    if (parts[4] === '_search' && parts.length === 5 && method === 'POST') {
      try {
        return search(cache, JSON.parse(text) as { query: string; max_results?: number; offset?: number });
      } catch (error) {
        if (error instanceof IckleError) return failure(400, error.message);
        throw error;
      }
    }
    if (parts[4] === 'entries' && parts[5] !== undefined && parts.length === 6) {
      const key = parts[5];
      if (method === 'DELETE') return [cache.entries.delete(key) ? 204 : 404, null];
      if (method === 'PUT') {
        if (!request.headers['content-type']?.startsWith('application/json')) return failure(415, 'ISPN012009: Unsupported media type');
        const entry = JSON.parse(text) as Entity;
        const entities = registeredEntities(schemas);
        if (!entities.has(entry._type)) return failure(400, `ISPN028015: Unknown type name : ${entry._type}`);
        const dimension = entities.get(entry._type);
        if (dimension !== undefined && (entry.floatVector as number[]).length !== dimension) return failure(400, `ISPN014105: Vector dimension ${(entry.floatVector as number[]).length} does not match ${dimension}`);
        cache.entries.set(key, entry);
        return [204, null];
      }
      if (method === 'GET') return cache.entries.has(key) ? [200, cache.entries.get(key)] : [404, null];
    }
    return failure(404, `ISPN012004: ${method} ${pathname} not found`);
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (!authorized(request)) {
        const nonce = randomBytes(16).toString('hex');
        nonces.add(nonce);
        response.writeHead(401, { 'www-authenticate': `Digest realm="default", domain="/", nonce="${nonce}", opaque="00000000000000000000000000000000", algorithm=${algorithm}, qop="auth"` });
        response.end();
        return;
      }
      const [status, reply] = handle(request, Buffer.concat(chunks).toString('utf8'));
      response.writeHead(status, reply === null ? {} : { 'content-type': 'application/json' });
      response.end(reply === null || request.method === 'HEAD' ? undefined : JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caches,
    schemas,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
