/**
 * The subset of JSON Schema (draft-07, as ajv and json-schema-to-typescript read it) that Cria's
 * schemas use. Schemas are plain data: the server compiles them into validators once, codegen
 * turns them into TypeScript types, and /openapi.json publishes them.
 */
export interface JsonSchema {
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  type?: JsonSchemaType | JsonSchemaType[];
  enum?: readonly (string | number | boolean | null)[];
  const?: string | number | boolean | null;
  default?: unknown;
  examples?: unknown[];
  deprecated?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  propertyNames?: JsonSchema;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
  /** ajv's discriminator keyword: picks the `oneOf` branch by this property, for clear errors. */
  discriminator?: { propertyName: string };
  definitions?: Record<string, JsonSchema>;
  /** Names the generated TypeScript type when it differs from the definition's key. */
  tsType?: string;
}

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** A `$ref` to another definition of the API schema bundle. */
export function ref(name: string, extra: Omit<JsonSchema, '$ref'> = {}): JsonSchema {
  return { $ref: `#/definitions/${name}`, ...extra };
}

/** `schema` or JSON null, as OpenAI's `nullable: true`. */
export function nullable(schema: JsonSchema): JsonSchema {
  if (schema.$ref || schema.oneOf || schema.anyOf || schema.enum) {
    const { description, default: defaultValue, ...rest } = schema;
    return { anyOf: [rest, { type: 'null' }], ...(description ? { description } : {}), ...(defaultValue !== undefined ? { default: defaultValue } : {}) };
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return { ...schema, type: [...types, 'null'] };
}

/** An object whose listed properties are all required unless named in `optional`. */
export function object(
  properties: Record<string, JsonSchema>,
  options: { required?: readonly string[]; additionalProperties?: boolean | JsonSchema; description?: string; title?: string } = {},
): JsonSchema {
  return {
    type: 'object',
    ...(options.title ? { title: options.title } : {}),
    ...(options.description ? { description: options.description } : {}),
    properties,
    required: options.required ?? [],
    additionalProperties: options.additionalProperties ?? true,
  };
}

/** A Llama Stack / OpenAI `{object: "list", data: [...]}` page. */
export function listOf(item: JsonSchema, description: string, cursor = false): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: item },
  };
  if (cursor) {
    properties.first_id = nullable({ type: 'string' });
    properties.last_id = nullable({ type: 'string' });
    properties.has_more = { type: 'boolean' };
  }
  return object(properties, { required: cursor ? ['object', 'data', 'has_more'] : ['object', 'data'], description });
}
