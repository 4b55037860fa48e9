import type { AttributeFilter, ComparisonFilter } from '@cria/api';

const ORDERING: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

const JSON_TYPES: Record<string, string> = { number: 'number', string: 'string', boolean: 'boolean' };

/**
 * Translates an OpenAI attribute filter into a PostgreSQL condition on the JSONB column `column`,
 * with exactly the semantics of `matchesAttributeFilter`: jsonb equality is type-strict (the
 * string "2020" never equals the number 2020, true never equals 1), a missing key fails `eq` and
 * the orderings but satisfies `ne` and `nin`. Keys and values are bound parameters, appended to
 * `params` (placeholders are numbered after what it already holds).
 */
export function attributeFilterToSql(filter: AttributeFilter, column: string, params: unknown[]): string {
  if ('filters' in filter) {
    // An empty `and` holds (every of nothing), an empty `or` does not (some of nothing).
    if (filter.filters.length === 0) return filter.type === 'and' ? 'TRUE' : 'FALSE';
    return `(${filter.filters.map((inner) => attributeFilterToSql(inner, column, params)).join(filter.type === 'and' ? ' AND ' : ' OR ')})`;
  }
  return comparisonToSql(filter, column, params);
}

function comparisonToSql(filter: ComparisonFilter, column: string, params: unknown[]): string {
  const bind = (value: unknown) => `$${params.push(value)}`;
  const { value } = filter;
  switch (filter.type) {
    case 'eq':
    case 'ne': {
      // An array never equals a metadata value (matchesAttributeFilter compares with ===).
      const equal = Array.isArray(value) ? 'FALSE' : `COALESCE(${column} -> ${bind(filter.key)}::text = ${bind(JSON.stringify(value))}::jsonb, FALSE)`;
      return filter.type === 'eq' ? equal : `NOT ${equal}`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operator = ORDERING[filter.type]!;
      const jsonType = JSON_TYPES[typeof value];
      if (!jsonType || Array.isArray(value)) return 'FALSE';
      const key = bind(filter.key);
      // Strings compare in the "C" collation (code point order, as JavaScript's `<` outside the
      // astral planes); numbers and booleans as jsonb, whose order is numeric and false < true.
      const comparison =
        typeof value === 'string' ? `(${column} ->> ${key}::text) COLLATE "C" ${operator} ${bind(value)}::text` : `${column} -> ${key}::text ${operator} ${bind(JSON.stringify(value))}::jsonb`;
      return `COALESCE(jsonb_typeof(${column} -> ${key}::text) = '${jsonType}' AND ${comparison}, FALSE)`;
    }
    case 'in':
    case 'nin': {
      // matchesAttributeFilter answers false to both when the value is not a list.
      if (!Array.isArray(value)) return 'FALSE';
      const member = `COALESCE(${column} -> ${bind(filter.key)}::text = ANY(${bind(value.map((item) => JSON.stringify(item)))}::jsonb[]), FALSE)`;
      return filter.type === 'in' ? member : `NOT ${member}`;
    }
    default:
      return 'FALSE';
  }
}
