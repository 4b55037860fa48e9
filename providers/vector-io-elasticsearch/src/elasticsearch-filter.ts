import type { AttributeFilter, ComparisonFilter } from '@cria/api';

/** An Elasticsearch query DSL clause. */
export type EsQuery = Record<string, unknown>;

export const MATCH_NONE: EsQuery = { match_none: {} };

/** One scalar metadata value as the nested `attributes` field indexes it, in the field of its type. */
export interface Attribute {
  key: string;
  string?: string;
  number?: number;
  boolean?: boolean;
}

/** The scalar metadata values, each under the field of its JSON type, so filters compare type-strictly. */
export function metadataAttributes(metadata: Record<string, unknown>): Attribute[] {
  const attributes: Attribute[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string') attributes.push({ key, string: value });
    else if (typeof value === 'number' && Number.isFinite(value)) attributes.push({ key, number: value });
    else if (typeof value === 'boolean') attributes.push({ key, boolean: value });
  }
  return attributes;
}

function attribute(key: string, condition: EsQuery): EsQuery {
  return { nested: { path: 'attributes', query: { bool: { filter: [{ term: { 'attributes.key': key } }, condition] } } } };
}

function field(value: unknown): 'attributes.string' | 'attributes.number' | 'attributes.boolean' | null {
  if (typeof value === 'string') return 'attributes.string';
  if (typeof value === 'number') return 'attributes.number';
  if (typeof value === 'boolean') return 'attributes.boolean';
  return null;
}

function equals(key: string, value: unknown): EsQuery {
  const target = field(value);
  return target ? attribute(key, { term: { [target]: value } }) : MATCH_NONE;
}

function oneOf(key: string, values: unknown[]): EsQuery {
  const strings = values.filter((value) => typeof value === 'string');
  const numbers = values.filter((value) => typeof value === 'number');
  const clauses: EsQuery[] = [];
  if (strings.length) clauses.push(attribute(key, { terms: { 'attributes.string': strings } }));
  if (numbers.length) clauses.push(attribute(key, { terms: { 'attributes.number': numbers } }));
  return clauses.length ? { bool: { should: clauses, minimum_should_match: 1 } } : MATCH_NONE;
}

/**
 * Translates an OpenAI attribute filter into query DSL on the nested `attributes` field, with
 * matchesAttributeFilter's semantics: each value sits in the field of its type (keyword, double,
 * boolean), so "2018" never equals 2018; strings order as keywords do (by code point); a missing
 * key fails a comparison and satisfies `must_not`.
 */
export function attributeFilterToQuery(filter: AttributeFilter): EsQuery {
  if ('filters' in filter) {
    const inner = filter.filters.map(attributeFilterToQuery);
    if (filter.type === 'and') return { bool: { filter: inner } };
    return inner.length ? { bool: { should: inner, minimum_should_match: 1 } } : MATCH_NONE;
  }
  return comparisonToQuery(filter);
}

function comparisonToQuery(filter: ComparisonFilter): EsQuery {
  const { key, value } = filter;
  switch (filter.type) {
    case 'eq':
      return equals(key, value);
    case 'ne':
      return { bool: { must_not: [equals(key, value)] } };
    case 'in':
      return Array.isArray(value) ? oneOf(key, value) : MATCH_NONE;
    case 'nin':
      return Array.isArray(value) ? { bool: { must_not: [oneOf(key, value)] } } : MATCH_NONE;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value === 'boolean') {
        const order = { gt: (a: number, b: number) => a > b, gte: (a: number, b: number) => a >= b, lt: (a: number, b: number) => a < b, lte: (a: number, b: number) => a <= b }[filter.type];
        const holds = [false, true].filter((candidate) => order(Number(candidate), Number(value)));
        return holds.length ? attribute(key, { terms: { 'attributes.boolean': holds } }) : MATCH_NONE;
      }
      const target = field(value);
      return target && !Array.isArray(value) ? attribute(key, { range: { [target]: { [filter.type]: value } } }) : MATCH_NONE;
    }
    default:
      return MATCH_NONE;
  }
}
