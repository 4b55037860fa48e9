import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import * as bodyValidators from '../../generated/validators-body.js';
import * as queryValidators from '../../generated/validators-query.js';
import { ajvOptions, type ValidatorOptions } from './validation-options.js';

export type { ValidatorOptions } from './validation-options.js';
import { apiSchemas, InvalidRequestError, type JsonSchema, type SchemaBundle } from '@cria/api';

export interface ValidationFailure {
  /** Where the bad value is, as `messages[0].role` (empty for the root). */
  path: string;
  message: string;
}


const instances = new Map<string, Ajv>();

let AjvClass: (new (options: Options) => Ajv) | undefined;

/**
 * ajv, loaded on first use: the request and config validators a server starts with are
 * precompiled, so ajv (sixty-odd modules) is loaded only to compile another or explain a failure.
 */
function ajvClass(): new (options: Options) => Ajv {
  return (AjvClass ??= (createRequire(import.meta.url)('ajv') as { Ajv: new (options: Options) => Ajv }).Ajv);
}
/** Schema bundles API modules added, beside the core bundle. */
const bundles = new Map<string, SchemaBundle>([[apiSchemas.$id!, { $id: apiSchemas.$id!, definitions: apiSchemas.definitions }]]);

/**
 * Adds an API module's schemas to every validator (once per `$id`); its routes then name them
 * like the core's. A definition name already taken by another bundle is an error.
 */
export function registerSchemaBundle(bundle: SchemaBundle): void {
  const existing = bundles.get(bundle.$id);
  if (existing) {
    if (existing === bundle || JSON.stringify(existing) === JSON.stringify(bundle)) return;
    throw new Error(`another schema bundle already has the $id ${bundle.$id}`);
  }
  for (const name of Object.keys(bundle.definitions)) {
    const owner = bundleOf(name);
    if (owner) throw new Error(`schema ${name} of ${bundle.$id} is already defined by ${owner.$id}`);
  }
  bundles.set(bundle.$id, bundle);
  for (const [key, ajv] of instances) if (key.endsWith('b')) ajv.addSchema(bundle as object);
}

function bundleOf(name: string): SchemaBundle | undefined {
  for (const bundle of bundles.values()) if (Object.hasOwn(bundle.definitions, name)) return bundle;
  return undefined;
}

/** The `$ref` of a named schema, in whichever bundle defines it. */
export function schemaRefOf(name: string): string {
  const bundle = bundleOf(name);
  if (!bundle) throw new Error(`no schema named ${name}`);
  return `${bundle.$id}#/definitions/${name}`;
}

/** A named schema's definition (for OpenAPI and error messages). */
export function schemaDefinition(name: string): JsonSchema | undefined {
  return bundleOf(name)?.definitions[name];
}

/** Every registered schema by name. */
export function allSchemaDefinitions(): Record<string, JsonSchema> {
  return Object.assign({}, ...[...bundles.values()].map((bundle) => bundle.definitions));
}

/**
 * One ajv per option set, holding the API schema bundle; validators compile once and are cached
 * by ajv. `verbose` validators (errors carry the failing data and schema, for good messages) are
 * much bigger, so requests are checked with lean ones and only a failure is checked again verbosely.
 */
function ajvFor(options: ValidatorOptions, verbose: boolean, withBundles = true): Ajv {
  const key = `${options.coerceTypes ? 'c' : ''}${options.useDefaults ? 'd' : ''}${verbose ? 'v' : ''}${withBundles ? 'b' : ''}`;
  let ajv = instances.get(key);
  if (!ajv) {
    // Adding the bundles costs tens of milliseconds: only the instances that resolve `$ref`s into them get them.
    const schemas = withBundles ? [...bundles.values()].map((bundle) => (bundle.$id === apiSchemas.$id ? apiSchemas : bundle) as object) : [];
    ajv = new (ajvClass())({ ...ajvOptions(options, verbose), schemas });
    instances.set(key, ajv);
  }
  return ajv;
}

/**
 * The core bundle's request validators, compiled to code by `pnpm codegen` (lean: no error
 * details); compiling them at start-up cost more than the rest of it. Others compile on first use.
 */
function precompiled(name: string, options: ValidatorOptions): ValidateFunction | undefined {
  if (options.useDefaults) return undefined;
  const table: Record<string, unknown> = options.coerceTypes ? queryValidators : bodyValidators;
  const validate = Object.hasOwn(table, name) ? table[name] : undefined;
  return typeof validate === 'function' ? (validate as ValidateFunction) : undefined;
}

/** `/messages/0/role` -> `messages[0].role` */
export function jsonPointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : path ? `.${segment}` : segment;
  }
  return path;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function typeName(type: unknown): string {
  const names: Record<string, string> = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', object: 'an object', array: 'an array', null: 'null' };
  const list = (Array.isArray(type) ? type : [type]).map((entry) => names[String(entry)] ?? String(entry));
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)}` : list[0] ?? 'a value';
}

function branchTypes(schema: JsonSchema | undefined, root: JsonSchema): string[] {
  if (!schema) return [];
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return branchTypes(root.definitions?.[name] ?? schemaDefinition(name), root);
  }
  if (schema.anyOf || schema.oneOf) return (schema.anyOf ?? schema.oneOf)!.flatMap((branch) => branchTypes(branch, root));
  if (schema.const !== undefined) return [String(schema.const)];
  if (schema.type) return Array.isArray(schema.type) ? [...schema.type] : [schema.type];
  return [];
}

function quoteList(values: readonly unknown[]): string {
  return values.map((value) => `'${String(value)}'`).join(', ');
}

/** Turns ajv's first relevant error into one sentence naming the field, in OpenAI's wording. */
const GENERIC_KEYWORDS = new Set(['type', 'anyOf', 'oneOf', 'if', '$ref', 'allOf']);

export function describeValidationError(errors: readonly ErrorObject[], root: JsonSchema = apiSchemas): ValidationFailure {
  // The deepest error is the most specific. At that depth, an error from inside a union's
  // matching branch (a bad enum value, a too-long array) beats the union's own "no branch fits".
  let deepest = errors[0]!;
  for (const candidate of errors) {
    if (candidate.instancePath.length > deepest.instancePath.length) deepest = candidate;
  }
  const atDepth = errors.filter((candidate) => candidate.instancePath === deepest.instancePath);
  const error =
    atDepth.find((candidate) => !GENERIC_KEYWORDS.has(candidate.keyword)) ??
    atDepth.find((candidate) => candidate.keyword === 'anyOf' || candidate.keyword === 'oneOf') ??
    deepest;
  let path = jsonPointerToPath(error.instancePath);
  const at = (field: string) => (path ? `${path}.${field}` : field);
  switch (error.keyword) {
    case 'required': {
      path = at(String(error.params.missingProperty));
      return { path, message: `Missing required parameter: '${path}'.` };
    }
    case 'additionalProperties': {
      path = at(String(error.params.additionalProperty));
      return { path, message: `Unrecognized request argument supplied: '${path}'.` };
    }
    case 'type':
      return { path, message: `Invalid type for '${path}': expected ${typeName(error.params.type)}, but got ${describe(error.data)} instead.` };
    case 'anyOf':
    case 'oneOf': {
      const expected = [...new Set(branchTypes(error.parentSchema as JsonSchema, root))];
      return {
        path,
        message: expected.length
          ? `Invalid type for '${path}': expected ${typeName(expected)}, but got ${describe(error.data)} instead.`
          : `Invalid value for '${path}'.`,
      };
    }
    case 'enum':
      return { path, message: `Invalid value for '${path}': ${JSON.stringify(error.data)}. Supported values are: ${quoteList(error.params.allowedValues as unknown[])}.` };
    case 'const':
      return { path, message: `Invalid value for '${path}': ${JSON.stringify(error.data)}. Expected '${String(error.params.allowedValue)}'.` };
    case 'discriminator': {
      const tag = String(error.params.tag);
      path = at(tag);
      const parent = error.parentSchema as JsonSchema;
      const allowed = (parent.oneOf ?? []).flatMap((branch) => branchTypes({ ...(root.definitions?.[branch.$ref?.split('/').pop() ?? ''] ?? branch) }.properties?.[tag], root));
      const value = (error.data as Record<string, unknown> | null)?.[tag];
      return value === undefined
        ? { path, message: `Missing required parameter: '${path}'.` }
        : { path, message: `Invalid value for '${path}': ${JSON.stringify(value)}. Supported values are: ${quoteList(allowed)}.` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `Invalid '${path}': ${JSON.stringify(error.data)} must be ${error.params.comparison} ${error.params.limit}.` };
    case 'minItems':
      return { path, message: `Invalid '${path}': expected an array with minimum length ${error.params.limit}, but got an array with length ${(error.data as unknown[]).length} instead.` };
    case 'maxItems':
      return { path, message: `Invalid '${path}': expected an array with maximum length ${error.params.limit}, but got an array with length ${(error.data as unknown[]).length} instead.` };
    case 'minLength':
      return { path, message: `Invalid '${path}': string too short. Expected a string with minimum length ${error.params.limit}.` };
    case 'maxLength':
      return { path, message: `Invalid '${path}': string too long. Expected a string with maximum length ${error.params.limit}.` };
    case 'pattern':
      return { path, message: `Invalid '${path}': ${JSON.stringify(error.data)} does not match pattern '${error.params.pattern}'.` };
    default:
      return { path, message: `Invalid '${path || 'request'}': ${error.message ?? 'invalid value'}.` };
  }
}

export type Validator<T> = (value: unknown) => T;

/** A validator for a schema of the bundles that reports failures without throwing (the distribution file). */
export function compileApiSchema(name: string, options: ValidatorOptions = {}): (value: unknown) => ValidationFailure | null {
  const ref = schemaRefOf(name);
  const validate = precompiled(name, options) ?? ajvFor(options, false).getSchema(ref);
  if (!validate) throw new Error(`no API schema ${name}`);
  let explain: ValidateFunction | undefined;
  return (value) => {
    if (validate(value)) return null;
    explain ??= ajvFor(options, true).getSchema(ref)!;
    return describeValidationError((explain(value) ? validate.errors : explain.errors) ?? [], { definitions: allSchemaDefinitions() });
  };
}

/** A validator for a schema of the bundles; throws InvalidRequestError naming the field (request bodies, queries). */
export function compileApiValidator<T>(name: string, options: ValidatorOptions = {}): Validator<T> {
  const check = compileApiSchema(name, options);
  return (value: unknown): T => {
    const failure = check(value);
    if (failure) throw new InvalidRequestError(failure.message, { param: failure.path || null });
    return value as T;
  };
}

/** A validator for a standalone schema (a provider's config); reports failures without throwing. */
export function compileSchema(schema: JsonSchema, options: ValidatorOptions = {}): (value: unknown) => ValidationFailure | null {
  const withBundles = JSON.stringify(schema).includes('"$ref"');
  const validate = ajvFor(options, false, withBundles).compile(schema as object);
  let explain: ValidateFunction | undefined;
  return (value) => {
    if (validate(value)) return null;
    explain ??= ajvFor(options, true, withBundles).compile(schema as object);
    return describeValidationError((explain(value) ? validate.errors : explain.errors) ?? [], schema);
  };
}
