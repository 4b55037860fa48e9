import type { AttributeFilter, ComparisonFilter } from '@cria/api';

/** A Milvus boolean expression, or null for one no entity satisfies (Milvus has no `false` literal to say so). */
export type MilvusExpression = string | null;

/** A string, number or boolean as a Milvus literal (strings double-quoted with JSON escapes). */
export function milvusLiteral(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The JSON path of a chunk's metadata key, as Llama Stack writes it (`chunk_content['metadata'][key]`). */
export function metadataPath(key: string): string {
  return `chunk_content["metadata"][${JSON.stringify(key)}]`;
}

const OPERATORS: Record<string, string> = { eq: '==', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * Translates an OpenAI attribute filter into a Milvus filter expression over the chunk's JSON
 * metadata with matchesAttributeFilter's semantics: Milvus compares JSON values only within a
 * type and a comparison on a missing key is false, so `ne` and `nin` are written as `not` of the
 * positive comparison (which a missing key satisfies), and `in` lists are split by type.
 */
export function attributeFilterToMilvus(filter: AttributeFilter): MilvusExpression {
  if ('filters' in filter) {
    const inner = filter.filters.map(attributeFilterToMilvus);
    if (filter.type === 'and') return inner.includes(null) ? null : inner.length ? inner.map((each) => `(${each})`).join(' and ') : null;
    const possible = inner.filter((each): each is string => each !== null);
    return possible.length ? possible.map((each) => `(${each})`).join(' or ') : null;
  }
  return comparisonToMilvus(filter);
}

function oneOf(path: string, values: unknown[]): MilvusExpression {
  const clauses = values.filter((value): value is string | number => typeof value === 'string' || typeof value === 'number').map((value) => `${path} == ${milvusLiteral(value)}`);
  return clauses.length ? clauses.map((clause) => `(${clause})`).join(' or ') : null;
}

function comparisonToMilvus(filter: ComparisonFilter): MilvusExpression {
  const path = metadataPath(filter.key);
  const { value } = filter;
  switch (filter.type) {
    case 'eq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return Array.isArray(value) ? null : `${path} ${OPERATORS[filter.type]} ${milvusLiteral(value)}`;
    case 'ne':
      return Array.isArray(value) ? 'chunk_id != ""' : `not (${path} == ${milvusLiteral(value)})`;
    case 'in':
      return Array.isArray(value) ? oneOf(path, value) : null;
    case 'nin': {
      if (!Array.isArray(value)) return null;
      const any = oneOf(path, value);
      return any === null ? 'chunk_id != ""' : `not (${any})`;
    }
    default:
      return null;
  }
}
