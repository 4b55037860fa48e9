import {
  ConfigError,
  resolveConfigPath,
  type KvStore,
  type KvStoreRef,
  type ProviderStorage,
  type SqlStore,
  type SqlStoreRef,
  type StorageBackendConfig,
} from '@cria/api';
import { SqliteDatabase, SqliteKvStore, SqliteSqlStore } from './storage-sqlite.js';

/** Expands `~` and resolves a relative path against the working directory, as Llama Stack does. */
export function expandPath(path: string): string {
  return resolveConfigPath(path, process.cwd());
}

/**
 * The distribution's `storage.backends`, opened on first use. Every store names its backend;
 * kv stores get a namespace, sql stores a table. The backend kinds not built into this release
 * (postgres, redis) are refused at start-up with the YAML path of the backend.
 */
export class StorageBackends implements ProviderStorage {
  private readonly databases = new Map<string, SqliteDatabase>();

  constructor(private readonly backends: Record<string, StorageBackendConfig>) {
    for (const [name, backend] of Object.entries(backends)) {
      if (backend.type !== 'kv_sqlite' && backend.type !== 'sql_sqlite') {
        throw new ConfigError(`storage.backends.${name}.type`, `backend type '${backend.type}' is not available in this release; use kv_sqlite or sql_sqlite`);
      }
    }
  }

  async kv(ref: KvStoreRef, path = 'storage'): Promise<KvStore> {
    const backend = this.backend(ref.backend, path);
    if (backend.type !== 'kv_sqlite') throw new ConfigError(`${path}.backend`, `backend '${ref.backend}' is a ${backend.type} backend; a key-value store needs a kv_* backend`);
    return new SqliteKvStore(this.sqlite(backend.db_path), ref.namespace ?? backend.namespace ?? null);
  }

  async sql(ref: SqlStoreRef, path = 'storage'): Promise<SqlStore> {
    const backend = this.backend(ref.backend, path);
    if (backend.type !== 'sql_sqlite') throw new ConfigError(`${path}.backend`, `backend '${ref.backend}' is a ${backend.type} backend; a table needs a sql_* backend`);
    return new SqliteSqlStore(this.sqlite(backend.db_path));
  }

  /** Closes every database (their writer threads first); safe to call twice. */
  async close(): Promise<void> {
    const open = [...this.databases.values()];
    this.databases.clear();
    await Promise.all(open.map((database) => database.close()));
  }

  private backend(name: string, path: string): StorageBackendConfig {
    const backend = this.backends[name];
    if (!backend) {
      const known = Object.keys(this.backends);
      throw new ConfigError(`${path}.backend`, `no storage backend named '${name}' (storage.backends has ${known.length ? known.join(', ') : 'none'})`);
    }
    return backend;
  }

  private sqlite(dbPath: string): SqliteDatabase {
    const path = expandPath(dbPath);
    let database = this.databases.get(path);
    if (!database) {
      database = new SqliteDatabase(path);
      this.databases.set(path, database);
    }
    return database;
  }
}
