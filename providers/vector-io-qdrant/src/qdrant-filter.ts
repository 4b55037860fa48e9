import type { AttributeFilter, ComparisonFilter } from '@cria/api';

/** A Qdrant filter (https://qdrant.tech/documentation/concepts/filtering/): conditions or nested filters. */
export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

export type QdrantCondition =
  | QdrantFilter
  | { key: string; match: { value: string | number | boolean } | { any: string[] | number[] } | { text: string } }
  | { key: string; range: { gt?: number; gte?: number; lt?: number; lte?: number } }
  | { has_id: string[] };

/** A condition no point satisfies. */
export const NOTHING: QdrantCondition = { has_id: [] };

/** The payload path of a chunk's metadata key; keys other than plain words are quoted, as Qdrant's JSON paths allow. */
export function metadataPath(key: string): string {
  return `chunk_content.metadata.${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)}`;
}

/** The string values a metadata key takes in the collection (Qdrant has no order on strings, so string comparisons become a match on these). */
export type StringValues = (path: string) => Promise<string[]>;

const COMPARE: Record<string, (left: string, right: string) => boolean> = {
  gt: (left, right) => left > right,
  gte: (left, right) => left >= right,
  lt: (left, right) => left < right,
  lte: (left, right) => left <= right,
};

/**
 * Translates an OpenAI attribute filter into a Qdrant condition with matchesAttributeFilter's
 * semantics: Qdrant's matches are typed (a numeric string never matches a number, true never
 * matches 1), numbers compare by range (which also covers floats, which `match` does not),
 * missing keys fail a condition and so satisfy a `must_not`.
 */
export async function attributeFilterToQdrant(filter: AttributeFilter, stringValues: StringValues): Promise<QdrantCondition> {
  if ('filters' in filter) {
    const inner = await Promise.all(filter.filters.map((each) => attributeFilterToQdrant(each, stringValues)));
    if (filter.type === 'and') return { must: inner };
    return inner.length ? { should: inner } : NOTHING;
  }
  return comparisonToQdrant(filter, stringValues);
}

function equals(key: string, value: unknown): QdrantCondition {
  if (typeof value === 'number') return { key, range: { gte: value, lte: value } };
  if (typeof value === 'string' || typeof value === 'boolean') return { key, match: { value } };
  return NOTHING;
}

function oneOf(key: string, values: unknown[]): QdrantCondition {
  const strings = values.filter((value): value is string => typeof value === 'string');
  const numbers = values.filter((value): value is number => typeof value === 'number');
  const conditions: QdrantCondition[] = numbers.map((value) => equals(key, value));
  if (strings.length) conditions.push({ key, match: { any: strings } });
  return conditions.length ? { should: conditions } : NOTHING;
}

async function comparisonToQdrant(filter: ComparisonFilter, stringValues: StringValues): Promise<QdrantCondition> {
  const key = metadataPath(filter.key);
  const { value } = filter;
  switch (filter.type) {
    case 'eq':
      return equals(key, value);
    case 'ne':
      return { must_not: [equals(key, value)] };
    case 'in':
      return Array.isArray(value) ? oneOf(key, value) : NOTHING;
    case 'nin':
      return Array.isArray(value) ? { must_not: [oneOf(key, value)] } : NOTHING;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value === 'number') return { key, range: { [filter.type]: value } };
      if (typeof value === 'boolean') {
        const holds = [false, true].filter((candidate) => COMPARE[filter.type]!(String(Number(candidate)), String(Number(value))));
        return holds.length ? { should: holds.map((candidate) => ({ key, match: { value: candidate } })) } : NOTHING;
      }
      if (typeof value === 'string') {
        const holds = (await stringValues(key)).filter((candidate) => COMPARE[filter.type]!(candidate, value));
        return holds.length ? { key, match: { any: holds } } : NOTHING;
      }
      return NOTHING;
    }
    default:
      return NOTHING;
  }
}
