import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import snowball from 'snowball-stemmers';
import { evaluate, parseExpression } from './milvus-expression.js';

/**
 * A stand-in for a Milvus server (2.5) on 127.0.0.1: the RESTful API v2 routes remote::milvus
 * uses (https://milvus.io/api-reference/restful/v2.5.x/About.md), in Milvus' documented shapes:
 * HTTP 200 with `{code: 0, data}` on success and `{code, message}` on failure (1800 when the
 * bearer token is wrong, 100 for a missing collection). Collections have the fields, BM25
 * function and indexes of their `create` request; `search` on a FloatVector field scores COSINE
 * similarity, on the BM25 function's sparse output field scores BM25 (k1 1.2, b 0.75) over the
 * analyzer's terms (`english`: lowercase, English stop words, snowball stemmer; otherwise
 * `standard`: lowercase only). Filters are Milvus boolean expressions (milvus-expression.ts).
 * Int64 fields come back as strings unless the client sends `Accept-Type-Allow-Int64: true`.
 */

interface Field {
  fieldName: string;
  dataType: string;
  isPrimary?: boolean;
  elementTypeParams?: Record<string, unknown>;
}

interface Collection {
  fields: Field[];
  functions: { name: string; type: string; inputFieldNames: string[]; outputFieldNames: string[] }[];
  indexParams: { fieldName: string; indexName: string; metricType: string; params?: Record<string, unknown> }[];
  consistencyLevel: string;
  entities: Map<string, Record<string, unknown>>;
  id: number;
}

export interface MilvusStandIn {
  url: string;
  collections: Map<string, Collection>;
  /** Answers every request with HTTP 503 while set (a server going away). */
  down: boolean;
  /** The database names requests used. */
  databases: Set<string>;
  close(): Promise<void>;
}

const english = snowball.newStemmer('english');
/** Lucene's English stop words, which Milvus' `english` analyzer removes. */
const STOP_WORDS = new Set('a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '));

function analyze(text: string, analyzer: Record<string, unknown> | undefined): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  if (analyzer?.type !== 'english') return words;
  return words.filter((word) => !STOP_WORDS.has(word)).map((word) => english.stem(word));
}

const K1 = 1.2;
const B = 0.75;

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((value, index) => {
    dot += value * b[index]!;
    normA += value * value;
    normB += b[index]! * b[index]!;
  });
  return dot / Math.sqrt(normA * normB);
}

export async function startMilvusStandIn(options: { token?: string } = {}): Promise<MilvusStandIn> {
  const collections = new Map<string, Collection>();
  const databases = new Set<string>();
  const state = { down: false };
  let nextId = 1;

  const handle = (request: IncomingMessage, body: Record<string, unknown>): [number, unknown] => {
    if (state.down) return [503, { code: 503, message: 'service unavailable' }];
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) return [200, { code: 1800, message: "user hasn't authenticated" }];
    const url = new URL(request.url!, 'http://localhost');
    if (request.method !== 'POST') return [404, { code: 404, message: `${request.method} ${url.pathname} not found` }];
    const route = url.pathname.replace(/^\/v2\/vectordb\//, '');
    const ok = (data: unknown, extra: Record<string, unknown> = {}): [number, unknown] => [200, { code: 0, data, ...extra }];
    const failure = (code: number, message: string): [number, unknown] => [200, { code, message }];
    databases.add(String(body.dbName ?? 'default'));
    if (route === 'collections/list') return ok([...collections.keys()]);
    const name = body.collectionName as string | undefined;
    if (!name) return failure(1100, 'missing required parameters, error: Key: \'collectionName\' Error:Field validation for \'collectionName\' failed on the \'required\' tag');
    const collection = collections.get(name);
    if (route === 'collections/has') return ok({ has: collection !== undefined });
    if (route === 'collections/create') {
      if (collection) return failure(65535, `collection already exists[collection=${name}]`);
      const schema = body.schema as { fields: Field[]; functions?: Collection['functions'] };
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return failure(1100, `Invalid collection name: ${name}. collection name can only contain numbers, letters and underscores`);
      const params = (body.params ?? {}) as { consistencyLevel?: string };
      collections.set(name, { fields: schema.fields, functions: schema.functions ?? [], indexParams: (body.indexParams ?? []) as Collection['indexParams'], consistencyLevel: params.consistencyLevel ?? 'Bounded', entities: new Map(), id: nextId++ });
      return ok({});
    }
    if (!collection) return failure(100, `collection not found[database=${String(body.dbName ?? 'default')}][collection=${name}]`);
    const functionOutputs = new Set(collection.functions.flatMap((each) => each.outputFieldNames));
    const int64 = request.headers['accept-type-allow-int64'] === 'true';
    const output = (entity: Record<string, unknown>, fields: string[] | undefined) => {
      const wanted = !fields || fields.length === 0 || fields.includes('*') ? collection.fields.map((field) => field.fieldName).filter((field) => !functionOutputs.has(field)) : fields;
      const primary = collection.fields.find((field) => field.isPrimary)!.fieldName;
      const shown: Record<string, unknown> = {};
      for (const field of new Set([primary, ...wanted])) {
        const type = collection.fields.find((each) => each.fieldName === field)?.dataType;
        shown[field] = type === 'Int64' && !int64 ? String(entity[field]) : structuredClone(entity[field]);
      }
      return shown;
    };
    const matching = (): Record<string, unknown>[] => {
      const filter = typeof body.filter === 'string' && body.filter.trim() ? parseExpression(body.filter) : undefined;
      return [...collection.entities.values()].filter((entity) => !filter || evaluate(filter, entity));
    };
    if (route === 'collections/describe') {
      return ok({
        collectionName: name,
        collectionID: collection.id,
        description: '',
        autoId: false,
        enableDynamicField: false,
        consistencyLevel: collection.consistencyLevel,
        fields: collection.fields.map((field, index) => ({
          name: field.fieldName,
          id: 100 + index,
          type: field.dataType,
          primaryKey: field.isPrimary ?? false,
          autoId: false,
          partitionKey: false,
          clusteringKey: false,
          nullable: false,
          description: '',
          params: Object.entries(field.elementTypeParams ?? {}).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
        })),
        functions: collection.functions,
        indexes: collection.indexParams.map((index) => ({ fieldName: index.fieldName, indexName: index.indexName, metricType: index.metricType })),
        load: 'LoadStateLoaded',
        partitionsNum: 1,
        shardsNum: 1,
        aliases: [],
        properties: [],
      });
    }
    if (route === 'collections/drop') {
      collections.delete(name);
      return ok({});
    }
    if (route === 'entities/upsert' || route === 'entities/insert') {
      const rows = body.data as Record<string, unknown>[];
      const primary = collection.fields.find((field) => field.isPrimary)!.fieldName;
      for (const row of rows) {
        for (const field of collection.fields) {
          if (functionOutputs.has(field.fieldName)) {
            if (field.fieldName in row) return failure(1100, `attempt to insert an unexpected function output field: ${field.fieldName}`);
            continue;
          }
          if (!(field.fieldName in row)) return failure(1100, `missing field: ${field.fieldName}`);
          if (field.dataType === 'FloatVector') {
            const dim = Number(field.elementTypeParams?.dim);
            const vector = row[field.fieldName] as number[];
            if (!Array.isArray(vector) || vector.length !== dim) return failure(1100, `the dim (${Array.isArray(vector) ? vector.length : 0}) of field data(${field.fieldName}) is not equal to schema dim (${dim})`);
          }
          if (field.dataType === 'VarChar' && String(row[field.fieldName]).length > Number(field.elementTypeParams?.max_length ?? 65535)) {
            return failure(1100, `the length of varchar field ${field.fieldName} exceeds max length`);
          }
        }
        const unknown = Object.keys(row).filter((key) => !collection.fields.some((field) => field.fieldName === key));
        if (unknown.length) return failure(1100, `field ${unknown[0]} does not exist in collection schema`);
      }
      for (const row of rows) {
        const entity: Record<string, unknown> = {};
        for (const field of collection.fields) {
          if (functionOutputs.has(field.fieldName)) continue;
          const value = row[field.fieldName];
          entity[field.fieldName] = field.dataType === 'FloatVector' ? (value as number[]).map(Math.fround) : field.dataType === 'Int64' ? Number(value) : structuredClone(value);
        }
        collection.entities.set(String(row[primary]), entity);
      }
      const ids = rows.map((row) => String(row[primary]));
      return ok(route === 'entities/upsert' ? { upsertCount: rows.length, upsertIds: ids } : { insertCount: rows.length, insertIds: ids });
    }
    if (route === 'entities/delete') {
      if (typeof body.filter !== 'string' || !body.filter.trim()) return failure(1100, 'filter is required');
      const primary = collection.fields.find((field) => field.isPrimary)!.fieldName;
      for (const entity of matching()) collection.entities.delete(String(entity[primary]));
      return ok({});
    }
    if (route === 'entities/query') {
      const limit = Number(body.limit ?? 100);
      const offset = Number(body.offset ?? 0);
      if (limit + offset > 16384) return failure(1100, 'invalid max query result window, (offset+limit) should be in range [1, 16384]');
      const rows = matching().slice(offset, offset + limit);
      return ok(rows.map((entity) => output(entity, body.outputFields as string[] | undefined)));
    }
    if (route === 'entities/search') {
      const annsField = (body.annsField as string | undefined) ?? collection.fields.find((field) => field.dataType === 'FloatVector')!.fieldName;
      const field = collection.fields.find((each) => each.fieldName === annsField);
      if (!field) return failure(1100, `failed to get field schema by name: fieldName(${annsField}) not found`);
      const limit = Number(body.limit ?? 100);
      if (limit > 16384) return failure(1100, 'topk [limit] is invalid, it should be in range [1, 16384]');
      const queries = body.data as unknown[];
      const candidates = matching();
      let scored: { entity: Record<string, unknown>; distance: number }[];
      if (field.dataType === 'FloatVector') {
        const query = queries[0] as number[];
        if (!Array.isArray(query) || query.length !== Number(field.elementTypeParams?.dim)) return failure(1100, `the dim (${Array.isArray(query) ? query.length : 0}) of field data(${annsField}) is not equal to schema dim (${String(field.elementTypeParams?.dim)})`);
        scored = candidates.map((entity) => ({ entity, distance: cosine(entity[annsField] as number[], query) }));
      } else if (field.dataType === 'SparseFloatVector' && functionOutputs.has(annsField)) {
        if (typeof queries[0] !== 'string') return failure(1100, 'the query of a BM25 function output field must be text');
        const input = collection.functions.find((each) => each.outputFieldNames.includes(annsField))!.inputFieldNames[0]!;
        const analyzer = collection.fields.find((each) => each.fieldName === input)?.elementTypeParams?.analyzer_params as Record<string, unknown> | undefined;
        const all = [...collection.entities.values()].map((entity) => analyze(String(entity[input]), analyzer));
        const total = all.length;
        const averageLength = all.reduce((sum, terms) => sum + terms.length, 0) / Math.max(1, total);
        const queryTerms = analyze(queries[0], analyzer);
        const frequency = new Map(queryTerms.map((term) => [term, all.filter((terms) => terms.includes(term)).length]));
        scored = candidates
          .map((entity) => {
            const terms = analyze(String(entity[input]), analyzer);
            const distance = queryTerms.reduce((score, term) => {
              const count = terms.filter((each) => each === term).length;
              if (count === 0) return score;
              const df = frequency.get(term)!;
              const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
              return score + (idf * count * (K1 + 1)) / (count + K1 * (1 - B + (B * terms.length) / averageLength));
            }, 0);
            return { entity, distance };
          })
          .filter(({ distance }) => distance > 0);
      } else {
        return failure(1100, `field ${annsField} cannot be searched`);
      }
      const best = scored.sort((a, b) => b.distance - a.distance).slice(0, limit);
      return ok(
        best.map(({ entity, distance }) => ({ ...output(entity, body.outputFields as string[] | undefined), distance })),
        { cost: 0, topks: [best.length] },
      );
    }
    return [404, { code: 404, message: `${url.pathname} not found` }];
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
        [status, reply] = [200, { code: 1100, message: `invalid parameter: ${(error as Error).message}` }];
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    collections,
    databases,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
