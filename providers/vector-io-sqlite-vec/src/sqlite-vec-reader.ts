import type { SqliteConnection, SqliteRead } from '@cria/sqlite';
import { SqliteThread } from '@cria/sqlite';

/**
 * Where sqlite-vec's searches run: a worker thread with a read-only connection of its own, since
 * an exact search reads every embedding of a store (tens of milliseconds on 100,000 chunks),
 * which on the main thread would hold every other request for as long. Writes stay on the main
 * connection; the reader sees each committed write (WAL). An in-memory database has no second
 * connection: its reads run on the main thread.
 */
export class SqliteVecReader {
  private readonly thread: SqliteThread | null;

  constructor(
    private readonly mainConnection: SqliteConnection,
    options: { extension: string; mmapSize: number },
  ) {
    const path = mainConnection.path;
    this.thread =
      path === ':memory:'
        ? null
        : new SqliteThread(path, { readonly: true, extensions: [options.extension], pragmas: ['busy_timeout = 5000', `mmap_size = ${options.mmapSize}`], name: 'sqlite-vec reader' });
  }

  /** The rows of a read query (the first column of each when `column` is set). */
  all<Row>(query: SqliteRead): Promise<Row[]> {
    if (this.thread) return this.thread.read<Row>(query);
    const statement = this.mainConnection.statement(query.sql);
    return Promise.resolve((query.column ? statement.column(...query.params) : statement.all(...query.params)) as Row[]);
  }

  /** Closes the reader's connection and ends its thread. */
  close(): Promise<void> {
    return this.thread?.close() ?? Promise.resolve();
  }
}
