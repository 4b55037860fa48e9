import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a Weaviate server (1.30) on 127.0.0.1: the REST and GraphQL calls
 * remote::weaviate makes, in Weaviate's documented shapes (https://weaviate.io/developers/weaviate/api):
 * `/v1/meta`, classes (`/v1/schema`, one class, its properties), batch object writes and
 * deletes by `where`, and GraphQL `Get` with `nearVector` (cosine distance), `bm25` (Weaviate's
 * BM25 over the named properties, scores as strings), `where` (And, Or, Equal, NotEqual,
 * GreaterThan…, IsNull, ContainsAny on typed properties), `sort`, `limit` and `offset`.
 * Errors are `{"error": [{"message"}]}` (REST) or GraphQL `errors`; a filter on a property the
 * class lacks is refused, as Weaviate does.
 */

interface WeaviateObject {
  id: string;
  vector: number[];
  properties: Record<string, unknown>;
}

interface WeaviateClass {
  schema: { class: string; properties: { name: string; dataType: string[]; tokenization?: string }[]; [key: string]: unknown };
  objects: Map<string, WeaviateObject>;
  dimension?: number;
}

export interface WeaviateStandIn {
  url: string;
  classes: Map<string, WeaviateClass>;
  close(): Promise<void>;
}

// A GraphQL reader for the subset `Get` queries use: selections, arguments and literal values.
type Token = { kind: 'punct' | 'name' | 'string' | 'number'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|,|([{}()[\]:])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([_A-Za-z][_0-9A-Za-z]*)/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < source.length && (match = pattern.exec(source))) {
    if (match[1]) tokens.push({ kind: 'punct', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'string', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'number', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'name', text: match[4] });
  }
  if (pattern.lastIndex < source.length) throw new Error(`Syntax Error GraphQL request: unexpected character at ${pattern.lastIndex}`);
  return tokens;
}

interface Selection {
  name: string;
  args: Record<string, unknown>;
  fields: Selection[];
}

function parseQuery(source: string): Selection[] {
  const tokens = tokenize(source);
  let position = 0;
  const expect = (text: string) => {
    if (tokens[position]?.text !== text) throw new Error(`Syntax Error GraphQL request: expected ${text}, found ${tokens[position]?.text ?? 'end'}`);
    position++;
  };
  const value = (): unknown => {
    const token = tokens[position++]!;
    if (token.text === '{') {
      const object: Record<string, unknown> = {};
      while (tokens[position]!.text !== '}') {
        const key = tokens[position++]!.text;
        expect(':');
        object[key] = value();
      }
      position++;
      return object;
    }
    if (token.text === '[') {
      const list: unknown[] = [];
      while (tokens[position]!.text !== ']') list.push(value());
      position++;
      return list;
    }
    if (token.kind === 'string') return JSON.parse(token.text);
    if (token.kind === 'number') return Number(token.text);
    if (token.text === 'true' || token.text === 'false') return token.text === 'true';
    if (token.text === 'null') return null;
    return { enum: token.text };
  };
  const selections = (): Selection[] => {
    expect('{');
    const list: Selection[] = [];
    while (tokens[position]?.text !== '}') {
      const name = tokens[position++]!.text;
      const args: Record<string, unknown> = {};
      if (tokens[position]?.text === '(') {
        position++;
        while (tokens[position]!.text !== ')') {
          const key = tokens[position++]!.text;
          expect(':');
          args[key] = value();
        }
        position++;
      }
      list.push({ name, args, fields: tokens[position]?.text === '{' ? selections() : [] });
    }
    position++;
    return list;
  };
  return selections();
}

const enumText = (value: unknown) => (value as { enum: string }).enum;

function evaluate(where: Record<string, unknown>, object: WeaviateObject, schema: WeaviateClass['schema']): boolean {
  const operator = enumText(where.operator);
  const operands = (where.operands as Record<string, unknown>[] | undefined) ?? [];
  if (operator === 'And') return operands.every((operand) => evaluate(operand, object, schema));
  if (operator === 'Or') return operands.some((operand) => evaluate(operand, object, schema));
  const property = (where.path as string[])[0]!;
  if (!schema.properties.some((each) => each.name === property)) throw new Error(`no such prop with name '${property}' found in class '${schema.class}' in the schema. Check your schema files for which properties in this class are available`);
  const actual = object.properties[property];
  if (operator === 'IsNull') return (actual === undefined || actual === null) === where.valueBoolean;
  if (actual === undefined || actual === null) return false;
  const expected = where.valueText ?? where.valueNumber ?? where.valueBoolean ?? where.valueTextArray ?? where.valueInt;
  switch (operator) {
    case 'Equal':
      return actual === expected;
    case 'NotEqual':
      return actual !== expected;
    case 'GreaterThan':
      return (actual as number) > (expected as number);
    case 'GreaterThanEqual':
      return (actual as number) >= (expected as number);
    case 'LessThan':
      return (actual as number) < (expected as number);
    case 'LessThanEqual':
      return (actual as number) <= (expected as number);
    case 'ContainsAny':
      return (expected as unknown[]).includes(actual);
    default:
      throw new Error(`unsupported operator ${operator}`);
  }
}

function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((value, position) => {
    dot += value * b[position]!;
    normA += value * value;
    normB += b[position]! * b[position]!;
  });
  return 1 - dot / Math.sqrt(normA * normB);
}

/** Weaviate's BM25 (k1 1.2, b 0.75) over whitespace-tokenized properties. */
function bm25(objects: WeaviateObject[], all: WeaviateObject[], query: string, properties: string[]): Map<string, number> {
  const tokensOf = (object: WeaviateObject) => properties.flatMap((property) => String(object.properties[property] ?? '').split(/\s+/).filter(Boolean));
  const lengths = all.map((object) => tokensOf(object).length);
  const average = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, lengths.length);
  const terms = [...new Set(query.split(/\s+/).filter(Boolean))];
  const scores = new Map<string, number>();
  for (const object of objects) {
    const tokens = tokensOf(object);
    let score = 0;
    for (const term of terms) {
      const frequency = tokens.filter((token) => token === term).length;
      if (!frequency) continue;
      const containing = all.filter((each) => tokensOf(each).includes(term)).length;
      const idf = Math.log(1 + (all.length - containing + 0.5) / (containing + 0.5));
      score += (idf * frequency * 2.2) / (frequency + 1.2 * (1 - 0.75 + (0.75 * tokens.length) / average));
    }
    if (score > 0) scores.set(object.id, score);
  }
  return scores;
}

export async function startWeaviateStandIn(options: { apiKey?: string } = {}): Promise<WeaviateStandIn> {
  const classes = new Map<string, WeaviateClass>();
  const restError = (status: number, message: string): [number, unknown] => [status, { error: [{ message }] }];

  const get = (selection: Selection): unknown[] => {
    const target = classes.get(selection.name);
    if (!target) throw new Error(`Cannot query field "${selection.name}" on type "GetObjectsObj".`);
    const { args } = selection;
    let objects = [...target.objects.values()];
    if (args.where) objects = objects.filter((object) => evaluate(args.where as Record<string, unknown>, object, target.schema));
    let ranked: { object: WeaviateObject; distance?: number; score?: number }[];
    if (args.nearVector) {
      const vector = (args.nearVector as { vector: number[] }).vector;
      if (target.dimension !== undefined && vector.length !== target.dimension) throw new Error(`vector search: knn search: distance between entrypoint and query node: vector lengths don't match: ${target.dimension} vs ${vector.length}`);
      ranked = objects.map((object) => ({ object, distance: cosineDistance(object.vector, vector) })).sort((a, b) => a.distance! - b.distance!);
    } else if (args.bm25) {
      const { query, properties } = args.bm25 as { query: string; properties: string[] };
      const scores = bm25(objects, [...target.objects.values()], query, properties);
      ranked = objects.filter((object) => scores.has(object.id)).map((object) => ({ object, score: scores.get(object.id)! })).sort((a, b) => b.score! - a.score! || (a.object.id < b.object.id ? -1 : 1));
    } else {
      ranked = objects.map((object) => ({ object }));
      const sort = args.sort as { path: string[]; order: { enum: string } }[] | undefined;
      if (sort) {
        const [property, sign] = [sort[0]!.path[0]!, sort[0]!.order.enum === 'desc' ? -1 : 1];
        ranked.sort((a, b) => sign * ((a.object.properties[property] as number) - (b.object.properties[property] as number)));
      }
    }
    const offset = Number(args.offset ?? 0);
    const limit = Number(args.limit ?? 10000);
    return ranked.slice(offset, offset + limit).map(({ object, distance, score }) => {
      const row: Record<string, unknown> = {};
      for (const field of selection.fields) {
        if (field.name !== '_additional') row[field.name] = object.properties[field.name] ?? null;
        else row._additional = Object.fromEntries(field.fields.map((inner) => [inner.name, inner.name === 'id' ? object.id : inner.name === 'distance' ? (distance ?? null) : inner.name === 'score' ? (score === undefined ? null : String(score)) : null]));
      }
      return row;
    });
  };

  const handle = (request: IncomingMessage, body: Record<string, unknown>): [number, unknown] => {
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) return [401, { code: 401, message: 'anonymous access not enabled, please provide an auth scheme such as OIDC' }];
    const { pathname } = new URL(request.url!, 'http://localhost');
    const parts = pathname.split('/').filter(Boolean);
    const method = request.method!;
    if (pathname === '/v1/meta') return [200, { hostname: 'http://[::]:8080', version: '1.30.0', modules: {} }];
    if (pathname === '/v1/schema' && method === 'POST') {
      const name = body.class as string;
      if (!/^[A-Z][_0-9A-Za-z]*$/.test(name)) return restError(422, `'${name}' is not a valid class name`);
      if (classes.has(name)) return restError(422, `class name "${name}" already exists`);
      classes.set(name, { schema: structuredClone(body) as WeaviateClass['schema'], objects: new Map() });
      return [200, body];
    }
    if (parts[0] === 'v1' && parts[1] === 'schema' && parts[2]) {
      const target = classes.get(parts[2]);
      if (!target) return method === 'DELETE' ? [200, null] : restError(404, `class '${parts[2]}' not found`);
      if (parts[3] === 'properties' && method === 'POST') {
        if (target.schema.properties.some((property) => property.name === body.name)) return restError(422, `property "${body.name as string}" already exists`);
        target.schema.properties.push(body as WeaviateClass['schema']['properties'][number]);
        return [200, body];
      }
      if (method === 'GET') return [200, target.schema];
      if (method === 'DELETE') {
        classes.delete(parts[2]);
        return [200, null];
      }
    }
    if (pathname === '/v1/batch/objects' && method === 'POST') {
      return [
        200,
        (body.objects as (WeaviateObject & { class: string })[]).map((object) => {
          const target = classes.get(object.class);
          const fail = (message: string) => ({ ...object, result: { errors: { error: [{ message }] } } });
          if (!target) return fail(`class '${object.class}' not present in schema`);
          if (target.dimension !== undefined && object.vector.length !== target.dimension) return fail(`new node has a vector with length ${object.vector.length}. Existing nodes have vectors with length ${target.dimension}`);
          const unknown = Object.keys(object.properties).find((name) => !target.schema.properties.some((property) => property.name === name));
          if (unknown) return fail(`no such prop with name '${unknown}' found in class '${object.class}' in the schema`);
          target.dimension ??= object.vector.length;
          target.objects.set(object.id, { id: object.id, vector: [...object.vector], properties: Object.fromEntries(Object.entries(object.properties).filter(([, value]) => value !== null)) });
          return { ...object, creationTimeUnix: Date.now(), lastUpdateTimeUnix: Date.now(), result: {} };
        }),
      ];
    }
    if (pathname === '/v1/batch/objects' && method === 'DELETE') {
      const match = body.match as { class: string; where: Record<string, unknown> };
      const target = classes.get(match.class);
      if (!target) return restError(422, `validate: class: ${match.class} not found`);
      const where = JSON.parse(JSON.stringify(match.where), (key, value) => (key === 'operator' ? { enum: value } : value)) as Record<string, unknown>;
      const doomed = [...target.objects.values()].filter((object) => evaluate(where, object, target.schema));
      for (const object of doomed) target.objects.delete(object.id);
      return [200, { match, output: body.output, dryRun: false, results: { matches: doomed.length, limit: 10000, successful: doomed.length, failed: 0, objects: null } }];
    }
    if (pathname === '/v1/graphql' && method === 'POST') {
      try {
        const [root] = parseQuery(body.query as string);
        if (root?.name !== 'Get') throw new Error('only Get is served');
        return [200, { data: { Get: Object.fromEntries(root.fields.map((selection) => [selection.name, get(selection)])) } }];
      } catch (error) {
        return [200, { data: { Get: null }, errors: [{ locations: [{ column: 1, line: 1 }], message: (error as Error).message, path: ['Get'] }] }];
      }
    }
    return restError(404, `path ${pathname} not found`);
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [status, reply] = handle(request, text ? (JSON.parse(text) as Record<string, unknown>) : {});
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(reply === null ? undefined : JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, classes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
