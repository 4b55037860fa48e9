import {
  InvalidRequestError,
  type KvStore,
  type SqlColumn,
  type SqlColumnType,
  type SqlFetchOptions,
  type SqlFetchResult,
  type SqlRow,
  type SqlStore,
  type SqlWhere,
} from '@cria/api';
import { SqliteConnection, SqliteThread, type SqliteStatement, type SqliteWrite } from '@cria/sqlite';

const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000'];

/**
 * One SQLite file, shared by every store on it; statements are prepared once and kept. Reads
 * run on this thread; writes go to a writer thread (so commits and checkpoints, which wait on the
 * disk, never block the event loop), except for an in-memory database, which only this
 * connection can see. The main connection sees every committed write (WAL).
 */
export class SqliteDatabase {
  readonly db: SqliteConnection;
  /** Started on the first write: a server that only starts (or only reads) needs no thread. */
  private readonly writer: SqliteThread | null;

  constructor(readonly path: string) {
    this.db = new SqliteConnection(path, { pragmas: PRAGMAS });
    this.writer = path === ':memory:' ? null : new SqliteThread(path, { pragmas: PRAGMAS, name: 'SQLite writer' });
  }

  /** Runs writes in order (several: one transaction); resolves with each one's changed row count once committed. */
  async write(statements: readonly SqliteWrite[]): Promise<number[]> {
    if (statements.length === 0) return [];
    if (this.writer) return this.writer.write(statements);
    const run = () => statements.map((entry) => this.statement(entry.sql).run(...entry.params).changes);
    return statements.length > 1 ? this.db.transaction(run) : run();
  }

  statement(sql: string): SqliteStatement {
    return this.db.statement(sql);
  }

  /** Finishes the writes sent, closes the writer thread's connection, then this one. */
  async close(): Promise<void> {
    await this.writer?.close();
    this.db.close();
  }
}

const KV_TABLE = 'kvstore';

/** Llama Stack's kv_sqlite layout: one `kvstore` table, keys prefixed by the namespace. */
export class SqliteKvStore implements KvStore {
  private readonly prefix: string;

  constructor(private readonly database: SqliteDatabase, namespace: string | null | undefined) {
    this.prefix = namespace ? `${namespace}:` : '';
    database.db.exec(`CREATE TABLE IF NOT EXISTS ${KV_TABLE} (key TEXT PRIMARY KEY, value TEXT, expiration INTEGER)`);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const row = this.database
      .statement(`SELECT value, expiration FROM ${KV_TABLE} WHERE key = ?`)
      .get(this.prefix + key) as { value: string; expiration: number | null } | undefined;
    if (!row || (row.expiration !== null && row.expiration <= Date.now())) return undefined;
    return JSON.parse(row.value) as T;
  }

  async set(key: string, value: unknown, options: { expiresAt?: number } = {}): Promise<void> {
    await this.database.write([
      {
        sql: `INSERT INTO ${KV_TABLE} (key, value, expiration) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expiration = excluded.expiration`,
        params: [this.prefix + key, JSON.stringify(value), options.expiresAt ?? null],
      },
    ]);
  }

  async delete(key: string): Promise<void> {
    await this.database.write([{ sql: `DELETE FROM ${KV_TABLE} WHERE key = ?`, params: [this.prefix + key] }]);
  }

  async valuesInRange<T>(start: string, end: string): Promise<T[]> {
    const rows = this.database
      .statement(`SELECT value FROM ${KV_TABLE} WHERE key >= ? AND key < ? AND (expiration IS NULL OR expiration > ?) ORDER BY key`)
      .all(this.prefix + start, this.prefix + end, Date.now()) as { value: string }[];
    return rows.map((row) => JSON.parse(row.value) as T);
  }

  async keysInRange(start: string, end: string): Promise<string[]> {
    const rows = this.database
      .statement(`SELECT key FROM ${KV_TABLE} WHERE key >= ? AND key < ? AND (expiration IS NULL OR expiration > ?) ORDER BY key`)
      .all(this.prefix + start, this.prefix + end, Date.now()) as { key: string }[];
    return rows.map((row) => row.key.slice(this.prefix.length));
  }
}

const SQL_TYPES: Record<SqlColumnType, string> = {
  integer: 'INTEGER',
  real: 'REAL',
  text: 'TEXT',
  json: 'TEXT',
  boolean: 'INTEGER',
  blob: 'BLOB',
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new Error(`invalid SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}

function column(spec: SqlColumnType | SqlColumn): SqlColumn {
  return typeof spec === 'string' ? { type: spec } : spec;
}

/** The SqlStore contract on SQLite. JSON and boolean columns are converted both ways. */
export class SqliteSqlStore implements SqlStore {
  private readonly columnTypes = new Map<string, Map<string, SqlColumnType>>();

  constructor(private readonly database: SqliteDatabase) {}

  async createTable(table: string, columns: Record<string, SqlColumnType | SqlColumn>): Promise<void> {
    const definitions = Object.entries(columns).map(([name, spec]) => {
      const { type, primaryKey, nullable } = column(spec);
      return `${quote(name)} ${SQL_TYPES[type]}${primaryKey ? ' PRIMARY KEY' : ''}${nullable === false && !primaryKey ? ' NOT NULL' : ''}`;
    });
    // Schema changes happen at start-up, before any write: on this thread, without waiting for the writer thread to start.
    this.database.db.exec(`CREATE TABLE IF NOT EXISTS ${quote(table)} (${definitions.join(', ')})`);
    const types = this.columnTypes.get(table) ?? new Map<string, SqlColumnType>();
    for (const [name, spec] of Object.entries(columns)) types.set(name, column(spec).type);
    this.columnTypes.set(table, types);
  }

  async addColumnIfMissing(table: string, name: string, spec: SqlColumnType | SqlColumn): Promise<void> {
    const existing = this.database.db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[];
    const { type } = column(spec);
    if (!existing.some((row) => row.name === name)) {
      this.database.db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(name)} ${SQL_TYPES[type]}`);
    }
    this.columnTypes.get(table)?.set(name, type);
  }

  async insert(table: string, rows: SqlRow | readonly SqlRow[]): Promise<void> {
    const list: readonly SqlRow[] = Array.isArray(rows) ? rows : [rows];
    await this.database.write(
      list.map((row) => {
        const names = Object.keys(row);
        return { sql: `INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, params: this.encode(table, row, names) };
      }),
    );
  }

  async upsert(table: string, row: SqlRow, conflictColumns: readonly string[]): Promise<void> {
    const names = Object.keys(row);
    const updates = names.filter((name) => !conflictColumns.includes(name)).map((name) => `${quote(name)} = excluded.${quote(name)}`);
    const sql =
      `INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ` +
      `ON CONFLICT(${conflictColumns.map(quote).join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
    await this.database.write([{ sql, params: this.encode(table, row, names) }]);
  }

  async fetchOne(table: string, where: SqlWhere): Promise<SqlRow | undefined> {
    const [clause, values] = this.where(table, where);
    const row = this.database.statement(`SELECT * FROM ${quote(table)}${clause} LIMIT 1`).get(...values) as SqlRow | undefined;
    return row && this.decode(table, row);
  }

  async fetchAll(table: string, options: SqlFetchOptions = {}): Promise<SqlFetchResult> {
    const [clause, values] = this.where(table, options.where ?? {});
    const conditions = clause ? [clause.slice(' WHERE '.length)] : [];
    const orderBy = options.orderBy ?? [];
    if (options.after) {
      const cursorRow = this.database
        .statement(`SELECT * FROM ${quote(table)} WHERE ${quote(options.after.column)} = ? LIMIT 1`)
        .get(options.after.value) as SqlRow | undefined;
      if (!cursorRow) throw new InvalidRequestError(`No record with ${options.after.column} '${options.after.value}' to page after.`, { param: 'after' });
      // Keyset paging: rows that sort strictly after the cursor row in the requested order,
      // with the cursor column as the final tie-breaker.
      const keys = [...orderBy];
      if (!keys.some(([name]) => name === options.after!.column)) keys.push([options.after.column, orderBy[0]?.[1] ?? 'asc']);
      const alternatives: string[] = [];
      keys.forEach(([name, direction], index) => {
        const equal = keys.slice(0, index).map(([previous]) => `${quote(previous)} = ?`);
        alternatives.push(`(${[...equal, `${quote(name)} ${direction === 'desc' ? '<' : '>'} ?`].join(' AND ')})`);
        values.push(...keys.slice(0, index).map(([previous]) => cursorRow[previous]), cursorRow[name]);
      });
      conditions.push(`(${alternatives.join(' OR ')})`);
    }
    let sql = `SELECT * FROM ${quote(table)}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
    if (orderBy.length) sql += ` ORDER BY ${orderBy.map(([name, direction]) => `${quote(name)} ${direction === 'desc' ? 'DESC' : 'ASC'}`).join(', ')}`;
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      values.push(options.limit + 1);
    }
    const rows = (this.database.statement(sql).all(...values) as SqlRow[]).map((row) => this.decode(table, row));
    const hasMore = options.limit !== undefined && rows.length > options.limit;
    if (hasMore) rows.pop();
    return { rows, hasMore };
  }

  async update(table: string, values: SqlRow, where: SqlWhere): Promise<number> {
    const names = Object.keys(values);
    const [clause, whereValues] = this.where(table, where);
    const [changes] = await this.database.write([{ sql: `UPDATE ${quote(table)} SET ${names.map((name) => `${quote(name)} = ?`).join(', ')}${clause}`, params: [...this.encode(table, values, names), ...whereValues] }]);
    return changes ?? 0;
  }

  async delete(table: string, where: SqlWhere): Promise<number> {
    const [clause, values] = this.where(table, where);
    const [changes] = await this.database.write([{ sql: `DELETE FROM ${quote(table)}${clause}`, params: values }]);
    return changes ?? 0;
  }

  private where(table: string, where: SqlWhere): [string, unknown[]] {
    const names = Object.keys(where);
    if (names.length === 0) return ['', []];
    const values: unknown[] = [];
    const parts = names.map((name) => {
      const value = where[name];
      if (value === null) return `${quote(name)} IS NULL`;
      values.push(this.encodeValue(table, name, value));
      return `${quote(name)} = ?`;
    });
    return [` WHERE ${parts.join(' AND ')}`, values];
  }

  private encode(table: string, row: SqlRow, names: string[]): unknown[] {
    return names.map((name) => this.encodeValue(table, name, row[name]));
  }

  private encodeValue(table: string, name: string, value: unknown): unknown {
    if (value === undefined || value === null) return null;
    const type = this.columnTypes.get(table)?.get(name);
    if (type === 'json') return JSON.stringify(value);
    if (type === 'boolean' || typeof value === 'boolean') return value ? 1 : 0;
    return value;
  }

  private decode(table: string, row: SqlRow): SqlRow {
    const types = this.columnTypes.get(table);
    if (!types) return row;
    for (const [name, type] of types) {
      const value = row[name];
      if (value === null || value === undefined) continue;
      if (type === 'json') row[name] = JSON.parse(value as string);
      else if (type === 'boolean') row[name] = value === 1;
    }
    return row;
  }
}
