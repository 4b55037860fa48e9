import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { CONFORMANCE_QUIRKS, type SchemaPatch } from './conformance-quirks.js';

/** Which published spec a route follows. */
export type ConformanceSpecName = 'openai' | 'llama-stack' | 'llama-stack-0.2';

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
  components: Record<string, Record<string, unknown>>;
}

const FIXTURES = new URL('../fixtures/conformance/', import.meta.url);

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
 * the route, Llama Stack 0.7.1's otherwise, and 0.2.23's for the routes 0.7.1 dropped. The schemas come from the fixtures that
 * `pnpm conformance:specs` extracts; the known quirks of the published specs are applied to
 * them (conformance-quirks.ts). Validators are compiled once per schema.
 */
export class ConformanceChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly routes = new Map<string, { spec: ConformanceSpecName; operation: SpecOperation }>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    // In this order: where two specs have a route, the first one's shape rules.
    for (const [name, file] of [
      ['openai', 'openai.json'],
      ['llama-stack', 'llama-stack.json'],
      ['llama-stack-0.2', 'llama-stack-0.2.json'],
    ] as const) {
      const spec = patched(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as SpecFile, name, CONFORMANCE_QUIRKS.patches);
      this.ajv.addSchema({ $id: name, components: { schemas: spec.components } });
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
    const key = `${spec}#/components/schemas/${schema}`;
    let validate = this.validators.get(key);
    if (!validate) this.validators.set(key, (validate = this.ajv.compile({ $ref: key })));
    const conforms = validate(reply);
    return { route, kind, spec, schema, conforms, problems: conforms ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`) };
  }
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
