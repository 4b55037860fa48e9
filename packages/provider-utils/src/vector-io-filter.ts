import type { AttributeFilter } from '@cria/api';

/** Whether `metadata` satisfies an OpenAI attribute filter; for providers that filter in process. */
export function matchesAttributeFilter(metadata: Record<string, unknown>, filter: AttributeFilter): boolean {
  if ('filters' in filter) {
    return filter.type === 'and'
      ? filter.filters.every((inner) => matchesAttributeFilter(metadata, inner))
      : filter.filters.some((inner) => matchesAttributeFilter(metadata, inner));
  }
  const actual = metadata[filter.key];
  const expected = filter.value;
  switch (filter.type) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'gt':
      return typeof actual === typeof expected && (actual as number) > (expected as number);
    case 'gte':
      return typeof actual === typeof expected && (actual as number) >= (expected as number);
    case 'lt':
      return typeof actual === typeof expected && (actual as number) < (expected as number);
    case 'lte':
      return typeof actual === typeof expected && (actual as number) <= (expected as number);
    case 'in':
      return Array.isArray(expected) && expected.includes(actual as string | number);
    case 'nin':
      return Array.isArray(expected) && !expected.includes(actual as string | number);
    default:
      return false;
  }
}
