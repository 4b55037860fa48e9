import { describe, expect, it } from 'vitest';
import type { AttributeFilter } from '@cria/api';
import { matchesAttributeFilter } from './vector-io-filter.js';

describe('matchesAttributeFilter', () => {
  const metadata = { author: 'ann', year: 2021, tags: 'x', draft: false };

  it('compares type-strictly: numbers with numbers, strings with strings', () => {
    expect(matchesAttributeFilter(metadata, { type: 'eq', key: 'year', value: 2021 })).toBe(true);
    expect(matchesAttributeFilter(metadata, { type: 'eq', key: 'year', value: '2021' })).toBe(false);
    expect(matchesAttributeFilter(metadata, { type: 'gt', key: 'year', value: 2020 })).toBe(true);
    expect(matchesAttributeFilter(metadata, { type: 'gt', key: 'year', value: '2020' })).toBe(false);
    expect(matchesAttributeFilter(metadata, { type: 'lte', key: 'author', value: 'bob' })).toBe(true);
    expect(matchesAttributeFilter(metadata, { type: 'ne', key: 'missing', value: 1 })).toBe(true);
    expect(matchesAttributeFilter(metadata, { type: 'eq', key: 'draft', value: false })).toBe(true);
  });

  it('tests membership with in and nin, false when the value is not a list', () => {
    expect(matchesAttributeFilter(metadata, { type: 'in', key: 'author', value: ['ann', 'bob'] })).toBe(true);
    expect(matchesAttributeFilter(metadata, { type: 'nin', key: 'author', value: ['ann'] })).toBe(false);
    expect(matchesAttributeFilter(metadata, { type: 'in', key: 'author', value: 'ann' })).toBe(false);
    expect(matchesAttributeFilter(metadata, { type: 'nin', key: 'author', value: 'bob' })).toBe(false);
  });

  it('combines filters with and / or', () => {
    const byAnn: AttributeFilter = { type: 'eq', key: 'author', value: 'ann' };
    const recent: AttributeFilter = { type: 'gte', key: 'year', value: 2022 };
    expect(matchesAttributeFilter(metadata, { type: 'and', filters: [byAnn, recent] })).toBe(false);
    expect(matchesAttributeFilter(metadata, { type: 'or', filters: [byAnn, recent] })).toBe(true);
    expect(matchesAttributeFilter(metadata, { type: 'or', filters: [recent, { type: 'and', filters: [byAnn, { type: 'lt', key: 'year', value: 2022 }] }] })).toBe(true);
  });
});
