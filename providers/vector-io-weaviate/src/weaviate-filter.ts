import type { AttributeFilter, ComparisonFilter } from '@cria/api';

/** A Weaviate `where` filter (https://weaviate.io/developers/weaviate/api/graphql/filters). */
export interface WeaviateWhere {
  operator: string;
  path?: string[];
  operands?: WeaviateWhere[];
  valueText?: string;
  valueNumber?: number;
  valueBoolean?: boolean;
}

export type AttributeType = 'text' | 'number' | 'boolean';

/** Every chunk has a `seq` of at least 0: these two filters hold for all chunks and for none. */
export const EVERYTHING: WeaviateWhere = { path: ['seq'], operator: 'GreaterThanEqual', valueNumber: 0 };
export const NOTHING: WeaviateWhere = { path: ['seq'], operator: 'LessThan', valueNumber: 0 };

/**
 * The property holding a metadata key's values of one JSON type: Weaviate properties have one
 * data type, so "2018" and 2018 live in different properties and never compare equal. The key is
 * hex-encoded, since property names allow only letters, digits and underscores.
 */
export function attributeProperty(key: string, type: AttributeType): string {
  return `m${type[0]}_${Buffer.from(key, 'utf8').toString('hex')}`;
}

export function attributeType(value: unknown): AttributeType | null {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return null;
}

/** The metadata's scalar values as typed properties. */
export function attributeProperties(metadata: Record<string, unknown>): Record<string, string | number | boolean> {
  const properties: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const type = attributeType(value);
    if (type) properties[attributeProperty(key, type)] = value as string | number | boolean;
  }
  return properties;
}

const VALUE_FIELD = { text: 'valueText', number: 'valueNumber', boolean: 'valueBoolean' } as const;
const ORDER = { gt: 'GreaterThan', gte: 'GreaterThanEqual', lt: 'LessThan', lte: 'LessThanEqual' } as const;

/**
 * Translates an OpenAI attribute filter into a Weaviate `where` filter with matchesAttributeFilter's
 * semantics; `known` holds the class's property names (a filter on a property the class does not
 * have is refused by Weaviate, and no chunk has such a value). Missing values are found with
 * IsNull (the class indexes null state), so `ne` and `nin` hold for chunks without the key.
 */
export function attributeFilterToWhere(filter: AttributeFilter, known: ReadonlySet<string>): WeaviateWhere {
  if ('filters' in filter) {
    const operands = filter.filters.map((inner) => attributeFilterToWhere(inner, known));
    if (operands.length === 0) return filter.type === 'and' ? EVERYTHING : NOTHING;
    return { operator: filter.type === 'and' ? 'And' : 'Or', operands };
  }
  return comparisonToWhere(filter, known);
}

function equals(key: string, value: unknown, known: ReadonlySet<string>): WeaviateWhere {
  const type = attributeType(value);
  if (!type) return NOTHING;
  const property = attributeProperty(key, type);
  return known.has(property) ? { path: [property], operator: 'Equal', [VALUE_FIELD[type]]: value } : NOTHING;
}

function notEquals(key: string, value: unknown, known: ReadonlySet<string>): WeaviateWhere {
  const type = attributeType(value);
  if (!type) return EVERYTHING;
  const property = attributeProperty(key, type);
  if (!known.has(property)) return EVERYTHING;
  return { operator: 'Or', operands: [{ path: [property], operator: 'NotEqual', [VALUE_FIELD[type]]: value }, { path: [property], operator: 'IsNull', valueBoolean: true }] };
}

function comparisonToWhere(filter: ComparisonFilter, known: ReadonlySet<string>): WeaviateWhere {
  const { key, value } = filter;
  switch (filter.type) {
    case 'eq':
      return equals(key, value, known);
    case 'ne':
      return notEquals(key, value, known);
    case 'in':
      return Array.isArray(value) && value.length ? { operator: 'Or', operands: value.map((item) => equals(key, item, known)) } : NOTHING;
    case 'nin':
      if (!Array.isArray(value)) return NOTHING;
      return value.length ? { operator: 'And', operands: value.map((item) => notEquals(key, item, known)) } : EVERYTHING;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const type = attributeType(value);
      if (!type || Array.isArray(value)) return NOTHING;
      const property = attributeProperty(key, type);
      if (!known.has(property)) return NOTHING;
      if (type === 'boolean') {
        const order = { gt: (a: number, b: number) => a > b, gte: (a: number, b: number) => a >= b, lt: (a: number, b: number) => a < b, lte: (a: number, b: number) => a <= b }[filter.type];
        const holds = [false, true].filter((candidate) => order(Number(candidate), Number(value)));
        return holds.length ? { operator: 'Or', operands: holds.map((candidate) => ({ path: [property], operator: 'Equal', valueBoolean: candidate })) } : NOTHING;
      }
      return { path: [property], operator: ORDER[filter.type], [VALUE_FIELD[type]]: value };
    }
    default:
      return NOTHING;
  }
}
