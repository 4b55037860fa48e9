import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { CONFORMANCE_QUIRKS, type SchemaPatch } from './conformance-quirks.js';

/** Which published spec a route follows. */
export type ConformanceSpecName = 'openai' | 'llama-stack' | 'llama-stack-0.2' | 'llama-stack-0.3' | 'open-responses';

/** What kind of reply is checked: a JSON body, one server-sent event, or an error envelope. */
export type ReplyKind = 'json' | 'stream' | 'error';

/** The verdict on one reply. */
export interface ConformanceVerdict {
  /** `METHOD /path/template` as the spec names the route. */
  route: string;
  kind: ReplyKind;
  spec: ConformanceSpecName | null;
  /** The component schema checked against; null when no published spec covers the reply. */
  schema: string | null;
  conforms: boolean;
  /** What does not conform, as `instancePath: message`. */
  problems: string[];
}

interface SpecOperation {
  method: string;
  path: string;
  json: string | null;
  stream: string | null;
}

interface SpecFile {
  title: string;
  operations: SpecOperation[];
  components: Record<string, Schema>;
}

const FIXTURES = new URL('../fixtures/conformance/', import.meta.url);

type Schema = Record<string, unknown>;

/**
 * The Responses routes whose replies are checked against all three specs that describe them:
 * each response object against OpenAI's `Response`, Llama Stack's `OpenAIResponseObject` and
 * Open Responses' `ResponseResource`, and each event of a stream against the schema of its
 * `type` in every spec that defines that type (see `CONFORMANCE_QUIRKS.eventTypes`).
 * DELETE answers a deletion object, which Open Responses does not describe.
 */
const RESPONSE_ROUTES: ReadonlySet<string> = new Set(['POST /v1/responses', 'GET /v1/responses/{}', 'POST /v1/responses/{}/cancel']);
const RESPONSE_OBJECT: Readonly<Record<'openai' | 'llama-stack' | 'open-responses', string>> = { openai: 'Response', 'llama-stack': 'OpenAIResponseObject', 'open-responses': 'ResponseResource' };
const RESPONSE_EVENTS: Readonly<Record<'openai' | 'llama-stack' | 'open-responses', string>> = { openai: 'ResponseStreamEvent', 'llama-stack': 'OpenAIResponseObjectStream', 'open-responses': 'ResponseStreamingEvent' };

/** The `type` an event schema fixes (`enum: [t]` or `const: t`), if it fixes one. */
function fixedType(schema: Schema | undefined): string | null {
  const type = (schema?.properties as Record<string, Schema> | undefined)?.type;
  if (!type) return null;
  if (typeof type.const === 'string') return type.const;
  return Array.isArray(type.enum) && type.enum.length === 1 && typeof type.enum[0] === 'string' ? type.enum[0] : null;
}

/** `/v1/files/{file_id}` → `/v1/files/{}`: parameter names differ between specs and Cria. */
function shape(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}');
}

function patched(spec: SpecFile, name: ConformanceSpecName, patches: readonly SchemaPatch[]): SpecFile {
  const components = structuredClone(spec.components);
  for (const patch of patches) {
    if (patch.spec !== name) continue;
    const schema = components[patch.schema];
    if (!schema) throw new Error(`conformance quirk: ${name} has no schema ${patch.schema}`);
    components[patch.as ?? patch.schema] = patch.apply(schema);
  }
  return { ...spec, components };
}

/**
 * Checks replies against the published schema of their route: OpenAI's where OpenAI's spec has
 * the route, Llama Stack 0.7.1's otherwise, 0.2.23's for the routes 0.7.1 dropped, and 0.3.5's
 * experimental spec for the routes both lack (the agents under /v1alpha). The schemas come from the fixtures that
 * `pnpm conformance:specs` extracts; the known quirks of the published specs are applied to
 * them (conformance-quirks.ts). Validators are compiled once per schema.
 */
export class ConformanceChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly routes = new Map<string, { spec: ConformanceSpecName; operation: SpecOperation }>();
  private readonly validators = new Map<string, ValidateFunction>();
  /** Per spec: event `type` → the component schema of that event. */
  private readonly eventSchemas = new Map<ConformanceSpecName, Map<string, string>>();

  constructor() {
    // In this order: where two specs have a route, the first one's shape rules (Open Responses
    // adds its checks to the Responses routes instead, see RESPONSE_ROUTES).
    for (const [name, file] of [
      ['openai', 'openai.json'],
      ['llama-stack', 'llama-stack.json'],
      ['llama-stack-0.2', 'llama-stack-0.2.json'],
      ['llama-stack-0.3', 'llama-stack-0.3.json'],
      ['open-responses', 'open-responses.json'],
    ] as const) {
      const spec = patched(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as SpecFile, name, CONFORMANCE_QUIRKS.patches);
      this.ajv.addSchema({ $id: name, components: { schemas: spec.components } });
      if (name !== 'llama-stack-0.2' && name !== 'llama-stack-0.3') {
        const union = spec.components[RESPONSE_EVENTS[name]]!;
        const members = (union.oneOf ?? union.anyOf) as Schema[];
        const byType = new Map<string, string>();
        for (const member of members) {
          const schemaName = String(member.$ref).replace('#/components/schemas/', '');
          const type = fixedType(spec.components[schemaName]);
          if (type) byType.set(type, schemaName);
        }
        this.eventSchemas.set(name, byType);
      }
      if (name === 'open-responses') continue;
      for (const operation of spec.operations) {
        const key = `${operation.method} ${shape(operation.path)}`;
        if (!this.routes.has(key)) this.routes.set(key, { spec: name, operation: { ...operation, stream: operation.stream ?? CONFORMANCE_QUIRKS.streamSchemas[`${name} ${operation.method} ${operation.path}`] ?? null } });
      }
    }
  }

  /** The spec and operation of a route Cria serves (`/v1/openai/v1/...` is the same route). */
  routeOf(method: string, path: string): { spec: ConformanceSpecName; operation: SpecOperation } | undefined {
    return this.routes.get(`${method} ${shape(path.replace(/^\/v1\/openai\/v1\//, '/v1/'))}`);
  }

  /** Checks one reply of the route `METHOD path` (the path as the route table has it). */
  check(method: string, path: string, kind: ReplyKind, reply: unknown): ConformanceVerdict {
    const route = `${method} ${path}`;
    const found = this.routeOf(method, path);
    const spec: ConformanceSpecName | null = kind === 'error' ? 'openai' : (found?.spec ?? null);
    const schema = kind === 'error' ? 'ErrorResponse' : kind === 'json' ? (found?.operation.json ?? null) : (found?.operation.stream ?? null);
    if (!spec || !schema) return { route, kind, spec, schema: null, conforms: true, problems: [] };
    return this.verdict(route, kind, spec, schema, reply);
  }

  /**
   * Checks one reply against every published schema that describes it: `check`'s verdict, and for
   * the Responses routes the three specs' response object or event schemas (see RESPONSE_ROUTES).
   */
  checkAll(method: string, path: string, kind: ReplyKind, reply: unknown): ConformanceVerdict[] {
    if (kind === 'error' || !this.answersResponse(method, path)) return [this.check(method, path, kind, reply)];
    const route = `${method} ${path}`;
    if (kind === 'json') return (['openai', 'llama-stack', 'open-responses'] as const).map((spec) => this.verdict(route, kind, spec, RESPONSE_OBJECT[spec], reply));
    return this.eventVerdicts(route, reply);
  }

  /** Whether the route answers a response object or a stream of response events (POST /v1/responses, GET /v1/responses/{id}, POST .../cancel). */
  answersResponse(method: string, path: string): boolean {
    return RESPONSE_ROUTES.has(`${method} ${shape(path.replace(/^\/v1\/openai\/v1\//, '/v1/'))}`);
  }

  /**
   * The verdicts on one Responses stream event: against the schema of its `type` in each spec that
   * defines it; an event whose type none defines does not conform.
   */
  eventVerdicts(route: string, event: unknown): ConformanceVerdict[] {
    const type = event && typeof event === 'object' ? (event as { type?: unknown }).type : undefined;
    const verdicts: ConformanceVerdict[] = [];
    for (const spec of ['openai', 'llama-stack', 'open-responses'] as const) {
      const schema = typeof type === 'string' ? this.eventSchema(spec, type) : null;
      if (schema) verdicts.push(this.verdict(route, 'stream', spec, schema, event));
    }
    if (verdicts.length) return verdicts;
    return [{ route, kind: 'stream', spec: null, schema: null, conforms: false, problems: [`/type: ${JSON.stringify(type)} is an event type no published spec defines`] }];
  }

  /** The component schema of the stream event `type` in `spec` (OpenAI, Llama Stack 0.7.1 or Open Responses), if the spec defines it. */
  eventSchema(spec: ConformanceSpecName, type: string): string | null {
    return this.eventSchemas.get(spec)?.get(type) ?? null;
  }

  /** The compiled validator of a component schema of a spec (compiled once). */
  validator(spec: ConformanceSpecName, schema: string): ValidateFunction {
    const key = `${spec}#/components/schemas/${schema}`;
    let validate = this.validators.get(key);
    if (!validate) this.validators.set(key, (validate = this.ajv.compile({ $ref: key })));
    return validate;
  }

  private verdict(route: string, kind: ReplyKind, spec: ConformanceSpecName, schema: string, reply: unknown): ConformanceVerdict {
    const validate = this.validator(spec, schema);
    const conforms = validate(reply);
    return { route, kind, spec, schema, conforms, problems: conforms ? [] : (validate.errors ?? []).map(describeSchemaError) };
  }
}

/** `instancePath: message {params}`, the path extended by the missing property when one is missing. */
export function describeSchemaError(error: ErrorObject): string {
  const missing = error.keyword === 'required' ? `/${String((error.params as { missingProperty?: unknown }).missingProperty)}` : '';
  return `${error.instancePath + missing || '/'}: ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`;
}

let shared: ConformanceChecker | undefined;

/** The checker of this process (its validators compiled on first use). */
export function conformanceChecker(): ConformanceChecker {
  return (shared ??= new ConformanceChecker());
}

/**
 * Keeps the verdicts of one server's replies; with `CRIA_CONFORMANCE_DIR` set, also appends them
 * there (one JSON line each) for `pnpm conformance`.
 */
export class ConformanceLog {
  readonly verdicts: ConformanceVerdict[] = [];
  private readonly file: string | null;

  constructor(directory = process.env.CRIA_CONFORMANCE_DIR) {
    this.file = directory ? join(directory, `replies-${process.pid}.jsonl`) : null;
    if (directory) mkdirSync(directory, { recursive: true });
  }

  add(verdict: ConformanceVerdict): void {
    this.verdicts.push(verdict);
    if (this.file) appendFileSync(this.file, `${JSON.stringify({ route: verdict.route, kind: verdict.kind, spec: verdict.spec, schema: verdict.schema, conforms: verdict.conforms, problems: verdict.problems.slice(0, 5) })}\n`);
  }

  /** The replies that did not conform, one line each (empty when all did). */
  failures(): string[] {
    return this.verdicts.filter((verdict) => !verdict.conforms).map((verdict) => `${verdict.route} (${verdict.kind}, ${verdict.spec} ${verdict.schema}): ${verdict.problems.slice(0, 5).join('; ')}`);
  }
}
