import type { AttributeFilter, ComparisonFilter } from '@cria/api';

/** A SQL condition and the values bound to its `?` placeholders, in order. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

const ORDERING: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * Translates an OpenAI attribute filter into a SQLite condition on the JSON column `column`,
 * with exactly the semantics of `matchesAttributeFilter`: comparisons are type-strict (the string
 * "2020" never equals the number 2020), a missing key fails `eq` and the orderings but satisfies
 * `ne` and `nin`. Each comparison looks its key up with json_each, so any key (dots, quotes, `$`)
 * is a bound parameter, never part of a JSON path.
 */
export function attributeFilterToSql(filter: AttributeFilter, column: string): SqlCondition {
  if ('filters' in filter) {
    // An empty `and` holds (every of nothing), an empty `or` does not (some of nothing).
    if (filter.filters.length === 0) return { sql: filter.type === 'and' ? '1' : '0', params: [] };
    const parts = filter.filters.map((inner) => attributeFilterToSql(inner, column));
    return { sql: `(${parts.map((part) => part.sql).join(filter.type === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((part) => part.params) };
  }
  return comparisonToSql(filter, column);
}

/** `EXISTS` over the metadata entry named `key` whose json_each row satisfies `predicate`. */
function entry(column: string, key: string, predicate: SqlCondition): SqlCondition {
  return { sql: `EXISTS (SELECT 1 FROM json_each(${column}) AS j WHERE j.key = ? AND ${predicate.sql})`, params: [key, ...predicate.params] };
}

function negate(condition: SqlCondition): SqlCondition {
  return { sql: `NOT ${condition.sql}`, params: condition.params };
}

/** The json_each predicate for "the value equals `value`, with the same JSON type". */
function sameValue(value: string | number | boolean): SqlCondition {
  if (typeof value === 'boolean') return { sql: `j.type = '${value ? 'true' : 'false'}'`, params: [] };
  if (typeof value === 'number') return { sql: `j.type IN ('integer', 'real') AND j.atom = ?`, params: [value] };
  return { sql: `j.type = 'text' AND j.atom = ?`, params: [value] };
}

function comparisonToSql(filter: ComparisonFilter, column: string): SqlCondition {
  const { key, value } = filter;
  switch (filter.type) {
    case 'eq':
    case 'ne': {
      // An array never equals a metadata value (matchesAttributeFilter compares with ===).
      const equal = Array.isArray(value) ? { sql: '0', params: [] } : entry(column, key, sameValue(value));
      return filter.type === 'eq' ? equal : negate(equal);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operator = ORDERING[filter.type]!;
      if (typeof value === 'number') return entry(column, key, { sql: `j.type IN ('integer', 'real') AND j.atom ${operator} ?`, params: [value] });
      // SQLite compares text by UTF-8 bytes, which is code point order, as JavaScript's `<` is
      // for every string outside the astral planes.
      if (typeof value === 'string') return entry(column, key, { sql: `j.type = 'text' AND j.atom ${operator} ?`, params: [value] });
      if (typeof value === 'boolean') return entry(column, key, { sql: `j.type IN ('true', 'false') AND j.atom ${operator} ?`, params: [value ? 1 : 0] });
      return { sql: '0', params: [] };
    }
    case 'in':
    case 'nin': {
      // matchesAttributeFilter answers false to both when the value is not a list.
      if (!Array.isArray(value)) return { sql: '0', params: [] };
      const members = [...new Set<string | number | boolean>(value)];
      const alternatives = members.map(sameValue);
      const anyOf: SqlCondition = alternatives.length
        ? entry(column, key, { sql: `(${alternatives.map((alternative) => `(${alternative.sql})`).join(' OR ')})`, params: alternatives.flatMap((alternative) => alternative.params) })
        : { sql: '0', params: [] };
      return filter.type === 'in' ? anyOf : negate(anyOf);
    }
    default:
      return { sql: '0', params: [] };
  }
}
