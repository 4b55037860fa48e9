/**
 * `pnpm conformance:specs`: extracts, from the published specs in `../shared/reference/`, what the
 * conformance harness of @cria/testing checks replies against: for every operation of Llama Stack
 * 0.7.1 (stable and experimental), of 0.2.23 for the routes 0.7.1 dropped (tool runtime, telemetry
 * queries, ...), of 0.3.5's experimental spec for the routes both lack (the agents under /v1alpha), and every operation of OpenAI's spec on the resources Llama
 * Stack serves (chat, completions, embeddings, files, models, vector stores, responses, ...), the schema of its JSON reply and of its stream events, and the component schemas those
 * reach; and the Open Responses spec (POST /responses: `ResponseResource` and its streaming events). OpenAPI's `nullable: true` becomes a union with null. The result is committed
 * (`packages/testing/fixtures/conformance/*.json`), so tests need no copy of the specs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reference = process.env.CRIA_REFERENCE_DIR ?? join(root, '..', 'shared', 'reference');
const output = join(root, 'packages/testing/fixtures/conformance');

type Schema = Record<string, unknown>;
interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

/** One operation: its method and path as Cria serves it (under /v1), and the schemas of its 2xx reply. */
export interface ConformanceOperation {
  method: string;
  path: string;
  /** The component schema of the JSON reply, when the spec gives one. */
  json: string | null;
  /** The component schema of each server-sent event, when the spec gives one. */
  stream: string | null;
}

export interface ConformanceSpec {
  title: string;
  operations: ConformanceOperation[];
  components: Record<string, Schema>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Types of 0.2.23 that 0.7.1 defines under another name. */
const RENAMED_SINCE_0_2: Record<string, string> = { Tool: 'ToolDef' };
const COMPONENT = '#/components/schemas/';

function load(file: string): OpenApi {
  return parse(readFileSync(join(reference, file), 'utf8'), { maxAliasCount: -1 }) as OpenApi;
}

function refName(schema: Schema | undefined): string | null {
  const ref = schema?.$ref;
  return typeof ref === 'string' && ref.startsWith(COMPONENT) ? ref.slice(COMPONENT.length) : null;
}

/** JSON Schema 2020-12 from an OpenAPI schema: `nullable` as a union with null; no examples or vendor keys. */
function convert(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convert);
  if (!schema || typeof schema !== 'object') return schema;
  const converted: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') || key === 'example' || key === 'examples' || key === 'description' || key === 'title' || key === 'discriminator' || key === 'nullable') continue;
    converted[key] = key === 'properties' || key === '$defs' || key === 'patternProperties' ? Object.fromEntries(Object.entries(value as Schema).map(([name, inner]) => [name, convert(inner)])) : convert(value);
  }
  if ((schema as Schema).nullable !== true) return converted;
  if (typeof converted.type === 'string' && !converted.enum && !converted.const) return { ...converted, type: [converted.type, 'null'] };
  return { anyOf: [converted, { type: 'null' }] };
}

function collect(schema: unknown, names: Set<string>, components: Record<string, Schema>): void {
  if (Array.isArray(schema)) return schema.forEach((item) => collect(item, names, components));
  if (!schema || typeof schema !== 'object') return;
  const name = refName(schema as Schema);
  if (name && !names.has(name)) {
    names.add(name);
    collect(components[name], names, components);
  }
  for (const value of Object.values(schema)) collect(value, names, components);
}

function extract(title: string, specs: OpenApi[], prefix: string, include: (path: string, method: string) => boolean): ConformanceSpec {
  const operations: ConformanceOperation[] = [];
  const names = new Set<string>();
  const components: Record<string, Schema> = Object.assign({}, ...specs.map((spec) => spec.components.schemas));
  for (const spec of specs) {
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation || !include(path, method)) continue;
        const success = Object.entries(operation.responses ?? {}).find(([status]) => /^2/.test(status))?.[1];
        const json = refName(success?.content?.['application/json']?.schema);
        const stream = refName(success?.content?.['text/event-stream']?.schema);
        operations.push({ method: method.toUpperCase(), path: prefix + path, json, stream });
        for (const name of [json, stream]) if (name) collect({ $ref: COMPONENT + name }, names, components);
      }
    }
  }
  // OpenAI's error envelope, which every error reply of Cria uses.
  if (components.ErrorResponse) collect({ $ref: `${COMPONENT}ErrorResponse` }, names, components);
  const kept = Object.fromEntries([...names].sort().map((name) => [name, convert(components[name]) as Schema]));
  operations.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return { title, operations, components: kept };
}

/** `/v1/files/{file_id}` → `/v1/files/{}`. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');

/**
 * The Open Responses spec (its one operation, POST /responses, under /v1). Its event-stream schema
 * is an inline union; it is kept as the component `ResponseStreamingEvent` so the harness can name it.
 */
function openResponsesSpec(): ConformanceSpec {
  const spec = JSON.parse(readFileSync(join(reference, 'open-responses-openapi.json'), 'utf8')) as OpenApi;
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const content = Object.entries(item[method]?.responses ?? {}).find(([status]) => /^2/.test(status))?.[1]?.content?.['text/event-stream'];
      if (content?.schema && !refName(content.schema)) {
        spec.components.schemas.ResponseStreamingEvent = content.schema;
        content.schema = { $ref: `${COMPONENT}ResponseStreamingEvent` };
      }
    }
  }
  return extract('Open Responses', [spec], '/v1', () => true);
}

export function conformanceSpecs(): { openai: ConformanceSpec; llamaStack: ConformanceSpec; llamaStackLegacy: ConformanceSpec; llamaStackExperimental: ConformanceSpec; openResponses: ConformanceSpec } {
  const llamaStackSpecs = [load('llama-stack-0.7.1-spec.yaml'), load('llama-stack-0.7.1-experimental-spec.yaml')];
  const served = new Set(llamaStackSpecs.flatMap((spec) => Object.entries(spec.paths).flatMap(([path, item]) => METHODS.filter((method) => item[method]).map((method) => `${method} ${shape(path)}`))));
  // OpenAI's routes of the resources Llama Stack serves (chat, files, vector_stores, responses, ...).
  const families = new Set(llamaStackSpecs.flatMap((spec) => Object.keys(spec.paths).map((path) => path.split('/')[2])));
  const openai = extract('OpenAI 2.3.0', [load('openai-openapi-2.3.0.yml')], '/v1', (path) => families.has(path.split('/')[1]));
  const llamaStack = extract('Llama Stack 0.7.1', llamaStackSpecs, '', () => true);
  // Routes 0.7.1 dropped that Cria still serves (tool runtime, telemetry queries, dataset IO under /v1):
  // 0.2.23 names their replies; where 0.7.1 still defines that type (ToolGroup, ToolDef,
  // ToolInvocationResult, ...), its 0.7.1 definition is the shape, else 0.2.23's.
  const legacy = extract('Llama Stack 0.2.23', [load('llama-stack-0.2.23-spec.yaml')], '', (path, method) => !path.startsWith('/v1/openai/') && !served.has(`${method} ${shape(path)}`));
  const modern: Record<string, Schema> = Object.assign({}, ...llamaStackSpecs.map((spec) => spec.components.schemas));
  const modernName = (name: string | null) => (name ? (RENAMED_SINCE_0_2[name] ?? name) : null);
  const names = new Set(Object.keys(llamaStack.components));
  const keptLegacy: ConformanceOperation[] = [];
  for (const operation of legacy.operations) {
    const json = modernName(operation.json);
    const stream = modernName(operation.stream);
    if ([json, stream].every((name) => !name || modern[name])) {
      llamaStack.operations.push({ ...operation, json, stream });
      for (const name of [json, stream]) if (name) collect({ $ref: COMPONENT + name }, names, modern);
    } else {
      keptLegacy.push(operation);
    }
  }
  for (const name of names) llamaStack.components[name] ??= convert(modern[name]) as Schema;
  llamaStack.operations.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  const llamaStackLegacy = { ...legacy, operations: keptLegacy };
  // 0.3.5's experimental routes that neither 0.7.1 nor 0.2.23 has (the agents under /v1alpha), with 0.3.5's own schemas.
  const older = new Set([...served, ...legacy.operations.map((operation) => `${operation.method.toLowerCase()} ${shape(operation.path)}`)]);
  const llamaStackExperimental = extract('Llama Stack 0.3.5 experimental', [load('llama-stack-0.3.5-experimental-spec.yaml')], '', (path, method) => !older.has(`${method} ${shape(path)}`));
  return { openai, llamaStack, llamaStackLegacy, llamaStackExperimental, openResponses: openResponsesSpec() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!existsSync(reference)) {
    console.error(`the reference specs are not at ${reference} (set CRIA_REFERENCE_DIR)`);
    process.exit(1);
  }
  const { openai, llamaStack, llamaStackLegacy, llamaStackExperimental, openResponses } = conformanceSpecs();
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'openai.json'), `${JSON.stringify(openai)}\n`);
  writeFileSync(join(output, 'llama-stack.json'), `${JSON.stringify(llamaStack)}\n`);
  writeFileSync(join(output, 'llama-stack-0.2.json'), `${JSON.stringify(llamaStackLegacy)}\n`);
  writeFileSync(join(output, 'llama-stack-0.3.json'), `${JSON.stringify(llamaStackExperimental)}\n`);
  writeFileSync(join(output, 'open-responses.json'), `${JSON.stringify(openResponses)}\n`);
  console.log(`OpenAI: ${openai.operations.length} operations, ${Object.keys(openai.components).length} schemas; Llama Stack: ${llamaStack.operations.length} operations, ${Object.keys(llamaStack.components).length} schemas; Llama Stack 0.2.23 (routes 0.7.1 dropped): ${llamaStackLegacy.operations.length} operations; Llama Stack 0.3.5 experimental (routes the others lack): ${llamaStackExperimental.operations.length} operations; Open Responses: ${Object.keys(openResponses.components).length} schemas`);
}
