import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLoadablePath } from 'sqlite-vec';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSqliteDriver, SqliteConnection, type SqliteDriverName } from './sqlite-driver.js';
import { SqliteThread, SqliteThreadError } from './sqlite-thread.js';

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
// node:sqlite loads extensions from Node 22.13 (and 23.5).
const hasNodeSqlite = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
const hasBetterSqlite3 = (() => {
  try {
    createRequire(import.meta.url).resolve('better-sqlite3');
    return true;
  } catch {
    return false;
  }
})();

// better-sqlite3 12 crashes while Node 24 tears a thread down, so it is not run there.
const drivers: SqliteDriverName[] = [...(hasNodeSqlite ? (['node:sqlite'] as const) : []), ...(hasBetterSqlite3 && major < 24 ? (['better-sqlite3'] as const) : [])];
const dir = mkdtempSync(join(tmpdir(), 'cria-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('picks node:sqlite where Node has it with extension loading, better-sqlite3 before', () => {
  expect(defaultSqliteDriver()).toBe(hasNodeSqlite ? 'node:sqlite' : 'better-sqlite3');
  expect(drivers.length).toBeGreaterThan(0);
});

it('names CRIA_SQLITE_DRIVER when it holds something else', () => {
  process.env.CRIA_SQLITE_DRIVER = 'sqlite3';
  try {
    expect(() => defaultSqliteDriver()).toThrow(/CRIA_SQLITE_DRIVER must be 'node:sqlite' or 'better-sqlite3', not 'sqlite3'/);
  } finally {
    delete process.env.CRIA_SQLITE_DRIVER;
  }
});

it('loads node:sqlite without passing on its experimental warning', () => {
  const script = `import(${JSON.stringify(new URL('./sqlite-driver.js', import.meta.url).href)}).then((m) => { const db = m.openSqlite(':memory:'); console.log(db.driver, db.prepare('SELECT 1 AS one').value()); db.close(); });`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe(`${defaultSqliteDriver()} 1`);
  expect(result.stderr).not.toMatch(/Warning/);
});

describe.each(drivers)('%s', (driver) => {
  let count = 0;
  const file = () => join(dir, `${driver.replace(':', '-')}-${++count}`, 'test.db');

  it('runs statements, keeps prepared ones, and returns rows, columns, values and blobs', () => {
    const db = new SqliteConnection(file(), { driver, pragmas: ['journal_mode = WAL'] });
    expect(db.driver).toBe(driver);
    expect(db.prepare('PRAGMA journal_mode').value()).toBe('wal');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB)');
    const insert = db.statement('INSERT INTO t (name, data) VALUES (?, ?)');
    expect(db.statement('INSERT INTO t (name, data) VALUES (?, ?)')).toBe(insert);
    expect(insert.run('a', Buffer.from([1, 2, 3]))).toEqual({ changes: 1, lastInsertRowid: 1 });
    insert.run('b', new Uint8Array([4]));
    expect(db.prepare('SELECT name FROM t ORDER BY id').column()).toEqual(['a', 'b']);
    expect(db.prepare('SELECT name FROM t WHERE id = ?').value(2)).toBe('b');
    expect(db.prepare('SELECT name FROM t WHERE id = ?').value(3)).toBeUndefined();
    expect({ ...db.prepare('SELECT id, name FROM t WHERE id = ?').get(1) }).toEqual({ id: 1, name: 'a' });
    expect(db.prepare('SELECT id FROM t').all().map((row) => row.id)).toEqual([1, 2]);
    const blob = db.prepare('SELECT data FROM t WHERE id = 1').value() as Uint8Array;
    expect(blob).toBeInstanceOf(Uint8Array);
    expect([...blob]).toEqual([1, 2, 3]);
    expect(db.prepare('SELECT count(*) FROM t WHERE id = ?').value(BigInt(2))).toBe(1);
    db.close();
    expect(db.open).toBe(false);
    db.close();
  });

  it('commits a transaction, rolls it back when the work throws, and nests savepoints', () => {
    const db = new SqliteConnection(':memory:', { driver });
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const insert = db.statement('INSERT INTO t (id) VALUES (?)');
    expect(db.transaction(() => insert.run(1).changes)).toBe(1);
    expect(() =>
      db.transaction(() => {
        insert.run(2);
        insert.run(1);
      }),
    ).toThrow(/UNIQUE/);
    db.transaction(() => {
      insert.run(3);
      expect(() =>
        db.transaction(() => {
          insert.run(4);
          throw new Error('inner');
        }),
      ).toThrow('inner');
      insert.run(5);
    });
    expect(db.prepare('SELECT id FROM t ORDER BY id').column()).toEqual([1, 3, 5]);
    db.close();
  });

  it('loads an extension (sqlite-vec) and opens read-only', () => {
    const path = file();
    const writer = new SqliteConnection(path, { driver, extensions: [getLoadablePath()] });
    writer.exec('CREATE VIRTUAL TABLE v USING vec0(embedding float[2])');
    writer.prepare('INSERT INTO v (rowid, embedding) VALUES (?, ?)').run(BigInt(1), Buffer.from(new Float32Array([1, 0]).buffer));
    const reader = new SqliteConnection(path, { driver, readonly: true, extensions: [getLoadablePath()] });
    expect(typeof reader.prepare('SELECT vec_version()').value()).toBe('string');
    expect(reader.prepare('SELECT rowid FROM v WHERE embedding MATCH ? AND k = 1').column(Buffer.from(new Float32Array([1, 0.1]).buffer))).toEqual([1]);
    expect(() => reader.exec('DELETE FROM v')).toThrow(/readonly/);
    reader.close();
    writer.close();
    expect(() => new SqliteConnection(join(dir, 'missing.db'), { driver, readonly: true })).toThrow();
  });

  it('writes and reads on a worker thread, in order, and ends the thread on close', async () => {
    const path = file();
    const main = new SqliteConnection(path, { driver, pragmas: ['journal_mode = WAL'] });
    main.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    const thread = new SqliteThread(path, { driver, pragmas: ['busy_timeout = 5000'], name: 'test writer' });
    const insert = 'INSERT INTO t (id, name) VALUES (?, ?)';
    const [one, two] = await Promise.all([thread.write([{ sql: insert, params: [1, 'a'] }]), thread.write([{ sql: insert, params: [2, 'b'] }, { sql: 'UPDATE t SET name = ? WHERE id < ?', params: ['c', 3] }])]);
    expect(one).toEqual([1]);
    expect(two).toEqual([1, 2]);
    expect(main.prepare('SELECT name FROM t ORDER BY id').column()).toEqual(['c', 'c']);
    // A batch is one transaction: its failure leaves nothing behind.
    const failed = thread.write([{ sql: insert, params: [3, 'd'] }, { sql: insert, params: [1, 'e'] }]);
    await expect(failed).rejects.toBeInstanceOf(SqliteThreadError);
    await expect(failed).rejects.toThrow(/UNIQUE/);
    expect(await thread.read({ sql: 'SELECT id FROM t ORDER BY id', params: [], column: true })).toEqual([1, 2]);
    expect((await thread.read<{ name: string }>({ sql: 'SELECT name FROM t WHERE id = ?', params: [2] })).map((row) => row.name)).toEqual(['c']);
    await thread.close();
    await expect(thread.write([{ sql: insert, params: [4, 'f'] }])).rejects.toThrow(/test writer thread is closed/);
    main.close();
  });

  it('reports a thread that cannot open its database, and starts afresh on the next call', async () => {
    const thread = new SqliteThread(join(dir, 'nowhere', 'missing.db'), { driver, readonly: true, name: 'test reader' });
    await expect(thread.read({ sql: 'SELECT 1', params: [] })).rejects.toThrow();
    await expect(thread.read({ sql: 'SELECT 1', params: [] })).rejects.toThrow();
    await thread.close();
  });
});
