import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import snowball from 'snowball-stemmers';

/**
 * A stand-in for a Qdrant server (1.15) on 127.0.0.1: the REST routes remote::qdrant uses, in
 * Qdrant's documented shapes (https://api.qdrant.tech/api-reference): `{result, status: "ok",
 * time}` replies, `{status: {error}}` failures, collections with cosine vectors (stored
 * normalised, as Qdrant does), payload indexes (a `text` index tokenises by words, lowercases and
 * stems as configured), upsert, delete and set_payload by ids or filter, query (nearest points),
 * scroll (by id, paged by `next_page_offset`), count, and filters with must / should / must_not,
 * match value / any / text, range, has_id and is_empty over JSON paths with quoted keys.
 */

interface Point {
  id: string;
  vector: number[];
  payload: Record<string, unknown>;
}

interface Collection {
  size: number;
  distance: string;
  points: Map<string, Point>;
  textIndexes: Map<string, { lowercase: boolean; stem: boolean }>;
  payloadSchema: Record<string, unknown>;
}

type Condition = Record<string, unknown>;

export interface QdrantStandIn {
  url: string;
  port: number;
  collections: Map<string, Collection>;
  /** Answers every request with 503 while set (a server going away). */
  down: boolean;
  close(): Promise<void>;
}

const english = snowball.newStemmer('english');

function tokens(text: string, options: { lowercase: boolean; stem: boolean }): string[] {
  const words = (options.lowercase ? text.toLowerCase() : text).match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  return options.stem ? words.map((word) => english.stem(word)) : words;
}

function splitPath(path: string): string[] {
  return (path.match(/"(?:[^"\\]|\\.)*"|[^.]+/g) ?? []).map((segment) => (segment.startsWith('"') ? (JSON.parse(segment) as string) : segment));
}

/** The values at a JSON path, arrays flattened (Qdrant matches any element). */
function valuesAt(payload: Record<string, unknown>, path: string): unknown[] {
  let current: unknown[] = [payload];
  for (const segment of splitPath(path)) {
    current = current.flatMap((value) => (value && typeof value === 'object' && !Array.isArray(value) ? [(value as Record<string, unknown>)[segment]] : [])).filter((value) => value !== undefined);
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function matches(point: Point, condition: Condition, collection: Collection): boolean {
  if ('must' in condition || 'should' in condition || 'must_not' in condition) return satisfies(point, condition, collection);
  if ('has_id' in condition) return (condition.has_id as string[]).includes(point.id);
  if ('is_empty' in condition) return valuesAt(point.payload, (condition.is_empty as { key: string }).key).filter((value) => value !== null).length === 0;
  const key = condition.key as string;
  const values = valuesAt(point.payload, key);
  if ('match' in condition) {
    const match = condition.match as { value?: unknown; any?: unknown[]; except?: unknown[]; text?: string };
    if ('value' in match) return values.some((value) => sameTyped(value, match.value));
    if ('any' in match) return values.some((value) => match.any!.some((candidate) => sameTyped(value, candidate)));
    if ('text' in match) {
      const index = collection.textIndexes.get(key);
      return values.some((value) => {
        if (typeof value !== 'string') return false;
        if (!index) return value.includes(match.text!);
        const have = new Set(tokens(value, index));
        return tokens(match.text!, index).every((token) => have.has(token));
      });
    }
  }
  if ('range' in condition) {
    const range = condition.range as { gt?: number; gte?: number; lt?: number; lte?: number };
    return values.some(
      (value) =>
        typeof value === 'number' &&
        (range.gt === undefined || value > range.gt) &&
        (range.gte === undefined || value >= range.gte) &&
        (range.lt === undefined || value < range.lt) &&
        (range.lte === undefined || value <= range.lte),
    );
  }
  throw new Error(`unsupported condition ${JSON.stringify(condition)}`);
}

/** Qdrant's typed match: keywords match strings, integers integers, booleans booleans. */
function sameTyped(value: unknown, expected: unknown): boolean {
  if (typeof expected === 'number' && !Number.isInteger(expected)) throw new Error('match on a float');
  return typeof value === typeof expected && value === expected;
}

function satisfies(point: Point, filter: Condition | undefined, collection: Collection): boolean {
  if (!filter) return true;
  const unknown = Object.keys(filter).filter((key) => !['must', 'should', 'must_not', 'min_should'].includes(key));
  if (unknown.length) throw new Error(`Format error in JSON body: unknown field \`${unknown[0]}\` in Filter`);
  const must = (filter.must as Condition[] | undefined) ?? [];
  const should = (filter.should as Condition[] | undefined) ?? [];
  const mustNot = (filter.must_not as Condition[] | undefined) ?? [];
  return (
    must.every((condition) => matches(point, condition, collection)) &&
    (should.length === 0 || should.some((condition) => matches(point, condition, collection))) &&
    !mustNot.some((condition) => matches(point, condition, collection))
  );
}

function normalise(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

function selectPayload(payload: Record<string, unknown>, withPayload: unknown): Record<string, unknown> | null {
  if (withPayload === false || withPayload === undefined) return null;
  if (withPayload === true) return structuredClone(payload);
  const include = (withPayload as { include: string[] }).include;
  const selected: Record<string, unknown> = {};
  for (const path of include) {
    const segments = splitPath(path);
    let source: unknown = payload;
    for (const segment of segments) source = (source as Record<string, unknown> | undefined)?.[segment];
    if (source === undefined) continue;
    let target = selected;
    segments.slice(0, -1).forEach((segment) => (target = (target[segment] ??= {}) as Record<string, unknown>));
    target[segments.at(-1)!] = structuredClone(source);
  }
  return selected;
}

export async function startQdrantStandIn(options: { apiKey?: string } = {}): Promise<QdrantStandIn> {
  const collections = new Map<string, Collection>();
  const state = { down: false };
  let operation = 0;
  const started = Date.now();

  const handle = (request: IncomingMessage, body: Record<string, unknown>): [number, unknown] => {
    if (state.down) return [503, { status: { error: 'Service Unavailable' }, time: 0 }];
    if (options.apiKey && request.headers['api-key'] !== options.apiKey) return [401, { status: { error: 'Must provide an API key or an Authorization bearer token' }, time: 0 }];
    const url = new URL(request.url!, 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method!;
    const ok = (result: unknown): [number, unknown] => [200, { result, status: 'ok', time: (Date.now() - started) / 1e6 }];
    const completed = () => ok({ operation_id: ++operation, status: 'completed' });
    if (parts.length === 0 && method === 'GET') return [200, { title: 'qdrant - vector search engine', version: '1.15.4', commit: 'stand-in' }];
    if (parts[0] !== 'collections') return [404, { status: { error: `Not found: ${url.pathname}` }, time: 0 }];
    if (parts.length === 1 && method === 'GET') return ok({ collections: [...collections.keys()].map((name) => ({ name })) });
    const name = parts[1]!;
    const collection = collections.get(name);
    if (parts.length === 3 && parts[2] === 'exists') return ok({ exists: collection !== undefined });
    if (parts.length === 2 && method === 'PUT') {
      if (collection) return [400, { status: { error: `Wrong input: Collection \`${name}\` already exists!` }, time: 0 }];
      const vectors = body.vectors as { size: number; distance: string };
      collections.set(name, { size: vectors.size, distance: vectors.distance, points: new Map(), textIndexes: new Map(), payloadSchema: {} });
      return ok(true);
    }
    if (!collection) return [404, { status: { error: `Not found: Collection \`${name}\` doesn't exist!` }, time: 0 }];
    if (parts.length === 2 && method === 'DELETE') return ok(collections.delete(name));
    if (parts.length === 2 && method === 'GET') {
      return ok({
        status: 'green',
        optimizer_status: 'ok',
        indexed_vectors_count: 0,
        points_count: collection.points.size,
        segments_count: 1,
        config: {
          params: { vectors: { size: collection.size, distance: collection.distance }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
          hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
          optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, max_segment_size: null, memmap_threshold: null, indexing_threshold: 20000, flush_interval_sec: 5, max_optimization_threads: null },
          wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
          quantization_config: null,
        },
        payload_schema: collection.payloadSchema,
      });
    }
    const action = parts.slice(2).join('/');
    const selected = (): Point[] => {
      if (body.points) return (body.points as string[]).map((id) => collection.points.get(id)).filter((point): point is Point => point !== undefined);
      return [...collection.points.values()].filter((point) => satisfies(point, body.filter as Condition, collection));
    };
    if (action === 'index' && method === 'PUT') {
      const schema = body.field_schema as string | { type: string; lowercase?: boolean; stemmer?: { type: string } };
      if (typeof schema === 'object' && schema.type === 'text') collection.textIndexes.set(body.field_name as string, { lowercase: schema.lowercase ?? true, stem: schema.stemmer?.type === 'snowball' });
      collection.payloadSchema[body.field_name as string] = { data_type: typeof schema === 'string' ? schema : schema.type, params: typeof schema === 'string' ? undefined : schema, points: collection.points.size };
      return completed();
    }
    if (action === 'points' && method === 'PUT') {
      const points = body.points as { id: string; vector: number[]; payload?: Record<string, unknown> }[];
      for (const point of points) {
        if (point.vector.length !== collection.size) return [400, { status: { error: `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${point.vector.length}` }, time: 0 }];
      }
      for (const point of points) collection.points.set(String(point.id), { id: String(point.id), vector: normalise(point.vector), payload: structuredClone(point.payload ?? {}) });
      return completed();
    }
    if (action === 'points/delete' && method === 'POST') {
      for (const point of selected()) collection.points.delete(point.id);
      return completed();
    }
    if (action === 'points/payload' && method === 'POST') {
      for (const point of selected()) {
        let target = point.payload;
        if (body.key) for (const segment of splitPath(body.key as string)) target = (target[segment] ??= {}) as Record<string, unknown>;
        Object.assign(target, structuredClone(body.payload));
      }
      return completed();
    }
    if (action === 'points/count' && method === 'POST') return ok({ count: selected().length });
    if (action === 'points/query' && method === 'POST') {
      const query = normalise(body.query as number[]);
      if (query.length !== collection.size) return [400, { status: { error: `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${query.length}` }, time: 0 }];
      const scored = selected()
        .map((point) => ({ point, score: point.vector.reduce((sum, value, index) => sum + value * query[index]!, 0) }))
        .filter(({ score }) => body.score_threshold === undefined || body.score_threshold === null || score >= (body.score_threshold as number))
        .sort((a, b) => b.score - a.score)
        .slice(0, (body.limit as number | undefined) ?? 10);
      return ok({ points: scored.map(({ point, score }) => ({ id: point.id, version: 0, score, payload: selectPayload(point.payload, body.with_payload), ...(body.with_vector ? { vector: point.vector } : {}) })) });
    }
    if (action === 'points/scroll' && method === 'POST') {
      const limit = (body.limit as number | undefined) ?? 10;
      const ordered = selected().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const start = body.offset === undefined || body.offset === null ? 0 : ordered.findIndex((point) => point.id >= String(body.offset));
      const page = start < 0 ? [] : ordered.slice(start, start + limit);
      const next = start < 0 ? undefined : ordered[start + limit];
      return ok({ points: page.map((point) => ({ id: point.id, payload: selectPayload(point.payload, body.with_payload ?? true), ...(body.with_vector ? { vector: point.vector } : {}) })), next_page_offset: next?.id ?? null });
    }
    return [404, { status: { error: `Not found: ${method} ${url.pathname}` }, time: 0 }];
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let status: number;
      let reply: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        [status, reply] = handle(request, text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch (error) {
        [status, reply] = [400, { status: { error: `Format error in JSON body: ${(error as Error).message}` }, time: 0 }];
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    collections,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
