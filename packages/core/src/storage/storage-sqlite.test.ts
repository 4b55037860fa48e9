import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidRequestError } from '@cria/api';
import { StorageBackends } from './storage-backends.js';

function backends(): StorageBackends {
  const dir = mkdtempSync(join(tmpdir(), 'cria-storage-'));
  return new StorageBackends({ kv: { type: 'kv_sqlite', db_path: join(dir, 'kv.db') }, sql: { type: 'sql_sqlite', db_path: join(dir, 'sql.db') } });
}

describe('SQLite storage', () => {
  it('keeps key-value pairs per namespace, with ranges and expiry', async () => {
    const storage = backends();
    const one = await storage.kv({ backend: 'kv', namespace: 'one' });
    const two = await storage.kv({ backend: 'kv', namespace: 'two' });
    await one.set('model:a', { n: 1 });
    await one.set('model:b', { n: 2 });
    await one.set('other', 3);
    await two.set('model:a', 'two');
    expect(await one.get('model:a')).toEqual({ n: 1 });
    expect(await two.get('model:a')).toBe('two');
    expect(await one.keysInRange('model:', 'model:\uffff')).toEqual(['model:a', 'model:b']);
    expect(await one.valuesInRange('model:', 'model:\uffff')).toEqual([{ n: 1 }, { n: 2 }]);
    await one.set('short', 1, { expiresAt: Date.now() - 1 });
    expect(await one.get('short')).toBeUndefined();
    await one.delete('model:a');
    expect(await one.get('model:a')).toBeUndefined();
    await storage.close();
  });

  it('stores rows with JSON and boolean columns, upserts, updates, deletes and pages by keyset', async () => {
    const storage = backends();
    const sql = await storage.sql({ backend: 'sql' });
    await sql.createTable('items', { id: { type: 'text', primaryKey: true }, rank: 'integer', body: 'json', done: 'boolean' });
    await sql.insert('items', [1, 2, 3, 4, 5].map((rank) => ({ id: `i${rank}`, rank, body: { rank, tags: ['x'] }, done: rank % 2 === 0 })));
    expect(await sql.fetchOne('items', { id: 'i2' })).toEqual({ id: 'i2', rank: 2, body: { rank: 2, tags: ['x'] }, done: true });
    const first = await sql.fetchAll('items', { orderBy: [['rank', 'desc']], limit: 2 });
    expect(first.rows.map((row) => row.id)).toEqual(['i5', 'i4']);
    expect(first.hasMore).toBe(true);
    const second = await sql.fetchAll('items', { orderBy: [['rank', 'desc']], limit: 2, after: { column: 'id', value: 'i4' } });
    expect(second.rows.map((row) => row.id)).toEqual(['i3', 'i2']);
    const last = await sql.fetchAll('items', { orderBy: [['rank', 'desc']], limit: 2, after: { column: 'id', value: 'i2' } });
    expect(last).toMatchObject({ rows: [{ id: 'i1' }], hasMore: false });
    expect((await sql.fetchAll('items', { where: { done: true } })).rows).toHaveLength(2);
    await expect(sql.fetchAll('items', { after: { column: 'id', value: 'nope' } })).rejects.toBeInstanceOf(InvalidRequestError);
    await sql.upsert('items', { id: 'i1', rank: 10, body: null, done: false }, ['id']);
    expect(await sql.fetchOne('items', { id: 'i1' })).toMatchObject({ rank: 10, body: null });
    expect(await sql.update('items', { done: true }, { id: 'i1' })).toBe(1);
    expect(await sql.delete('items', { done: true })).toBe(3);
    await sql.addColumnIfMissing('items', 'note', 'text');
    await sql.insert('items', { id: 'i9', rank: 9, note: 'hello' });
    expect((await sql.fetchOne('items', { id: 'i9' }))!.note).toBe('hello');
    // A failing row in a batch leaves nothing of the batch behind.
    await expect(sql.insert('items', [{ id: 'new', rank: 1 }, { id: 'i9', rank: 1 }])).rejects.toThrow();
    expect(await sql.fetchOne('items', { id: 'new' })).toBeUndefined();
    await storage.close();
  });

  it('names the storage path of an unknown or mismatched backend, and refuses backend kinds not built in', async () => {
    const storage = backends();
    await expect(storage.kv({ backend: 'nope' }, 'providers.files[0].config.metadata_store')).rejects.toThrow(/providers\.files\[0\]\.config\.metadata_store\.backend: no storage backend named 'nope'/);
    await expect(storage.kv({ backend: 'sql' })).rejects.toThrow(/needs a kv_\* backend/);
    expect(() => new StorageBackends({ pg: { type: 'sql_postgres', user: 'u' } })).toThrow(ConfigError);
  });
});
