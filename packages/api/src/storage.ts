/**
 * The storage a provider can ask the core for. Backends (SQLite today; PostgreSQL and Redis behind
 * the same interfaces) are named in the distribution's `storage.backends`; a provider gets a
 * store by reference (`{backend, namespace}` or `{backend, table_name}`), never a connection.
 */

/** A key-value store, scoped to a namespace. Values are JSON. */
export interface KvStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** `expiresAt` (epoch ms) makes the key disappear after that time. */
  set(key: string, value: unknown, options?: { expiresAt?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Values whose keys are in [start, end), ordered by key. */
  valuesInRange<T = unknown>(start: string, end: string): Promise<T[]>;
  /** Keys in [start, end), ordered. */
  keysInRange(start: string, end: string): Promise<string[]>;
}

export type SqlColumnType = 'integer' | 'real' | 'text' | 'json' | 'boolean' | 'blob';

export interface SqlColumn {
  type: SqlColumnType;
  primaryKey?: boolean;
  nullable?: boolean;
}

export type SqlRow = Record<string, unknown>;

/** Equality on each listed column (`null` matches NULL). */
export type SqlWhere = Record<string, string | number | boolean | null>;

export interface SqlFetchOptions {
  where?: SqlWhere;
  orderBy?: readonly (readonly [column: string, direction: 'asc' | 'desc'])[];
  limit?: number;
  /** Rows strictly after the row whose `column` equals `value` in the order given (keyset paging). */
  after?: { column: string; value: string | number };
}

export interface SqlFetchResult {
  rows: SqlRow[];
  hasMore: boolean;
}

/**
 * A relational store with the operations providers need. JSON columns are (de)serialized by the
 * store, booleans too; everything else is stored as given.
 */
export interface SqlStore {
  createTable(table: string, columns: Record<string, SqlColumnType | SqlColumn>): Promise<void>;
  /** Adds a column to an existing table if it lacks it (for schema upgrades). */
  addColumnIfMissing(table: string, column: string, type: SqlColumnType | SqlColumn): Promise<void>;
  /** Inserts one row, or several in one transaction. */
  insert(table: string, rows: SqlRow | readonly SqlRow[]): Promise<void>;
  upsert(table: string, row: SqlRow, conflictColumns: readonly string[]): Promise<void>;
  fetchOne(table: string, where: SqlWhere): Promise<SqlRow | undefined>;
  fetchAll(table: string, options?: SqlFetchOptions): Promise<SqlFetchResult>;
  update(table: string, values: SqlRow, where: SqlWhere): Promise<number>;
  delete(table: string, where: SqlWhere): Promise<number>;
}

/** How providers name a key-value store in their config (Llama Stack's KVStoreReference). */
export interface KvStoreRef {
  backend: string;
  namespace?: string | null;
}

/** How providers name a table in their config (Llama Stack's SqlStoreReference). */
export interface SqlStoreRef {
  backend: string;
  table_name?: string | null;
}

export interface ProviderStorage {
  kv(ref: KvStoreRef): Promise<KvStore>;
  sql(ref: SqlStoreRef): Promise<SqlStore>;
}
