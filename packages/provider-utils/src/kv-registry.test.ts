import { describe, expect, it } from 'vitest';
import type { KvStore } from '@cria/api';
import { KvRegistry } from './kv-registry.js';

/** A KvStore in memory that orders keys by their UTF-8 bytes, as SQLite's and PostgreSQL's C collation do. */
function memoryKvStore(): KvStore {
  const values = new Map<string, unknown>();
  const inRange = (start: string, end: string) =>
    [...values.keys()].filter((key) => Buffer.compare(Buffer.from(key), Buffer.from(start)) >= 0 && Buffer.compare(Buffer.from(key), Buffer.from(end)) < 0).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return {
    get: async <T>(key: string) => values.get(key) as T | undefined,
    set: async (key, value) => {
      values.set(key, structuredClone(value));
    },
    delete: async (key) => {
      values.delete(key);
    },
    valuesInRange: async <T>(start: string, end: string) => inRange(start, end).map((key) => values.get(key) as T),
    keysInRange: async (start, end) => inRange(start, end),
  };
}

interface Entry {
  id: string;
  table: string;
}

describe('KvRegistry', () => {
  it('gets, puts, deletes and lists entries by id, apart from other keys of the namespace', async () => {
    const store = memoryKvStore();
    await store.set('other::x', { id: 'x', table: 'not mine' });
    const registry = new KvRegistry<Entry>(store, 'vector_stores::');
    await registry.put({ id: 'vs_b', table: 't1' });
    await registry.put({ id: 'vs_a', table: 't2' });
    await registry.put({ id: 'vs_b', table: 't3' });
    expect(await registry.get('vs_b')).toEqual({ id: 'vs_b', table: 't3' });
    expect(await registry.get('missing')).toBeUndefined();
    expect(await registry.list()).toEqual([
      { id: 'vs_a', table: 't2' },
      { id: 'vs_b', table: 't3' },
    ]);
    await registry.delete('vs_a');
    await registry.delete('never-there');
    expect((await registry.list()).map((entry) => entry.id)).toEqual(['vs_b']);
    expect(await store.get('vector_stores::vs_b')).toEqual({ id: 'vs_b', table: 't3' });
  });

  it('lists ids with characters beyond U+FFFF, which a prefix + \\uffff range misses', async () => {
    const store = memoryKvStore();
    const registry = new KvRegistry<Entry>(store, 'vector_stores::');
    await registry.put({ id: '🦙 notes', table: 't' });
    expect(await store.valuesInRange('vector_stores::', 'vector_stores::\uffff')).toEqual([]);
    expect((await registry.list()).map((entry) => entry.id)).toEqual(['🦙 notes']);
  });
});
