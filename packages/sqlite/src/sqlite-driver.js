// @ts-check
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * Which SQLite binding a connection runs on: Node's built-in `node:sqlite` (Node 22.13 and
 * later, where it loads extensions) or the better-sqlite3 addon (Node 20).
 * @typedef {'node:sqlite' | 'better-sqlite3'} SqliteDriverName
 */

/**
 * How to open a database.
 * @typedef {object} SqliteOpenOptions
 * @property {boolean} [readonly] Open read-only; the file must exist.
 * @property {readonly string[]} [extensions] Paths of loadable extensions to load (sqlite-vec's `getLoadablePath()`).
 * @property {readonly string[]} [pragmas] Pragmas to set on open, as `name = value`.
 * @property {SqliteDriverName} [driver] The binding to use; by default `CRIA_SQLITE_DRIVER`, else the best this Node has.
 */

/**
 * What a write reports.
 * @typedef {{ changes: number, lastInsertRowid: number | bigint }} SqliteRunResult
 */

/** @typedef {string | number | bigint | null | Uint8Array} SqliteValue */

/** @typedef {Record<string, unknown>} SqliteRow */

/**
 * The two bindings' statements, as far as this module uses them.
 * @typedef {object} NativeStatement
 * @property {(...params: any[]) => { changes: number | bigint, lastInsertRowid: number | bigint }} run
 * @property {(...params: any[]) => unknown} get
 * @property {(...params: any[]) => unknown[]} all
 */

/**
 * @typedef {object} NativeDatabase
 * @property {(sql: string) => NativeStatement} prepare
 * @property {(sql: string) => unknown} exec
 * @property {(path: string) => void} loadExtension
 * @property {() => void} close
 */

/**
 * The part of `node:sqlite` used here (declared here: the Node 20 types have no `node:sqlite`).
 * @typedef {{ DatabaseSync: new (path: string, options: { readOnly: boolean, allowExtension: boolean }) => NativeDatabase }} NodeSqlite
 */

/** @type {NodeSqlite | null | undefined} */
let nodeSqlite;

/**
 * `node:sqlite` when this Node has it with extension loading, else null. Node 22 flags the
 * module as experimental on first use; that one warning is not passed on, since which binding
 * runs is Cria's choice, not the user's.
 * @returns {NodeSqlite | null}
 */
function loadNodeSqlite() {
  if (nodeSqlite !== undefined) return nodeSqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = /** @type {typeof process.emitWarning} */ (
    (/** @type {any} */ warning, /** @type {any[]} */ ...rest) => {
      const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
      if (type === 'ExperimentalWarning' && String(warning).includes('SQLite')) return;
      emitWarning.call(process, warning, ...rest);
    }
  );
  try {
    const module = /** @type {NodeSqlite | undefined} */ (process.getBuiltinModule?.('node:sqlite'));
    nodeSqlite = module && typeof module.DatabaseSync.prototype.loadExtension === 'function' ? module : null;
  } catch {
    nodeSqlite = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite;
}

/**
 * The binding connections use by default: `CRIA_SQLITE_DRIVER` when set, else `node:sqlite` where
 * this Node has it with extension loading (22.13 and later), else better-sqlite3.
 * @returns {SqliteDriverName}
 */
export function defaultSqliteDriver() {
  const chosen = process.env.CRIA_SQLITE_DRIVER;
  if (chosen === 'node:sqlite' || chosen === 'better-sqlite3') return chosen;
  if (chosen) throw new Error(`CRIA_SQLITE_DRIVER must be 'node:sqlite' or 'better-sqlite3', not '${chosen}'`);
  return loadNodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

/**
 * @param {string} path
 * @param {SqliteOpenOptions} options
 * @param {SqliteDriverName} driver
 * @returns {NativeDatabase}
 */
function openNative(path, options, driver) {
  if (driver === 'node:sqlite') {
    const sqlite = loadNodeSqlite();
    if (!sqlite) throw new Error(`node:sqlite with extension loading needs Node 22.13 or later; this is ${process.version}`);
    return new sqlite.DatabaseSync(path, { readOnly: options.readonly === true, allowExtension: (options.extensions?.length ?? 0) > 0 });
  }
  /** @type {typeof import('better-sqlite3')} */
  let Database;
  try {
    Database = createRequire(import.meta.url)('better-sqlite3');
  } catch (error) {
    throw new Error(`better-sqlite3 is not installed (Node ${process.version} has no node:sqlite with extension loading): ${/** @type {Error} */ (error).message}`);
  }
  return new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
}

/**
 * A prepared statement. Parameters are positional; blobs come back as Uint8Array (a Buffer
 * under better-sqlite3), integers as numbers.
 */
export class SqliteStatement {
  /** @param {NativeStatement} native */
  constructor(native) {
    /** @private */
    this.native = native;
  }

  /**
   * @param {...unknown} params
   * @returns {SqliteRunResult}
   */
  run(...params) {
    const { changes, lastInsertRowid } = this.native.run(...params);
    return { changes: Number(changes), lastInsertRowid };
  }

  /**
   * The first row, or undefined.
   * @template {SqliteRow} [Row=SqliteRow]
   * @param {...unknown} params
   * @returns {Row | undefined}
   */
  get(...params) {
    return /** @type {Row | undefined} */ (this.native.get(...params));
  }

  /**
   * Every row.
   * @template {SqliteRow} [Row=SqliteRow]
   * @param {...unknown} params
   * @returns {Row[]}
   */
  all(...params) {
    return /** @type {Row[]} */ (this.native.all(...params));
  }

  /**
   * The first column of every row.
   * @param {...unknown} params
   * @returns {unknown[]}
   */
  column(...params) {
    return this.native.all(...params).map((row) => firstValue(/** @type {SqliteRow} */ (row)));
  }

  /**
   * The first column of the first row, or undefined.
   * @param {...unknown} params
   * @returns {unknown}
   */
  value(...params) {
    const row = /** @type {SqliteRow | undefined} */ (this.native.get(...params));
    return row === undefined ? undefined : firstValue(row);
  }
}

/** @param {SqliteRow} row */
function firstValue(row) {
  for (const key in row) return row[key];
  return undefined;
}

/**
 * One connection to a SQLite file (or `:memory:`). Statements made with `statement` are prepared
 * once and kept until `close`, which finalizes them with the database, so no native handle is
 * left for garbage collection to free while Node tears a thread down.
 */
export class SqliteConnection {
  /**
   * @param {string} path
   * @param {SqliteOpenOptions} [options]
   */
  constructor(path, options = {}) {
    /** The file, or `:memory:`. */
    this.path = path;
    /** @type {SqliteDriverName} */
    this.driver = options.driver ?? defaultSqliteDriver();
    if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
    /** @private */
    this.native = openNative(path, options, this.driver);
    /** @private @type {Map<string, SqliteStatement>} */
    this.statements = new Map();
    /** @private */
    this.depth = 0;
    /** @private */
    this.isOpen = true;
    try {
      for (const extension of options.extensions ?? []) this.native.loadExtension(extension);
      for (const pragma of options.pragmas ?? []) this.native.exec(`PRAGMA ${pragma}`);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Whether the connection is open. */
  get open() {
    return this.isOpen;
  }

  /**
   * Runs SQL with no parameters (several statements allowed).
   * @param {string} sql
   */
  exec(sql) {
    this.native.exec(sql);
  }

  /**
   * A statement prepared for this call only (DDL, one-off reads).
   * @param {string} sql
   * @returns {SqliteStatement}
   */
  prepare(sql) {
    return new SqliteStatement(this.native.prepare(sql));
  }

  /**
   * The statement for `sql`, prepared on first use and kept.
   * @param {string} sql
   * @returns {SqliteStatement}
   */
  statement(sql) {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Forgets the kept statements (their tables changed); SQLite finalizes them on close.
   */
  forgetStatements() {
    this.statements.clear();
  }

  /**
   * Runs `work` in a transaction: committed when it returns, rolled back when it throws. Nested
   * calls are savepoints.
   * @template T
   * @param {() => T} work
   * @returns {T}
   */
  transaction(work) {
    const savepoint = this.depth > 0 ? `cria_${this.depth}` : null;
    this.statement(savepoint ? `SAVEPOINT ${savepoint}` : 'BEGIN').run();
    this.depth++;
    try {
      const result = work();
      this.statement(savepoint ? `RELEASE ${savepoint}` : 'COMMIT').run();
      return result;
    } catch (error) {
      try {
        if (savepoint) {
          this.statement(`ROLLBACK TO ${savepoint}`).run();
          this.statement(`RELEASE ${savepoint}`).run();
        } else {
          this.statement('ROLLBACK').run();
        }
      } catch {
        // SQLite already rolled back (some errors end the transaction themselves).
      }
      throw error;
    } finally {
      this.depth--;
    }
  }

  /** Finalizes every statement and closes the database; closing twice is a no-op. */
  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.statements.clear();
    this.native.close();
  }
}

/**
 * Opens a database with the default binding (or `options.driver`).
 * @param {string} path
 * @param {SqliteOpenOptions} [options]
 * @returns {SqliteConnection}
 */
export function openSqlite(path, options) {
  return new SqliteConnection(path, options);
}
