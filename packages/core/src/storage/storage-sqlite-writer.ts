import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One statement to run: its SQL and its parameters (already encoded: strings, numbers, null). */
export interface WriteStatement {
  sql: string;
  params: readonly unknown[];
}

/** A failed write as the worker reports it (SQLite's message and code, e.g. SQLITE_CONSTRAINT_PRIMARYKEY). */
export class SqliteWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'SqliteWriteError';
  }
}

// The worker is plain JavaScript run from a string, so it works the same from the TypeScript
// sources (tests) and from dist. It loads the driver the main thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
};
const runAll = (batch) => batch.map((entry) => prepared(entry.sql).run(...entry.params).changes);
const inTransaction = db.transaction(runAll);
parentPort.on('message', (message) => {
  if (message.close) {
    statements.clear();
    db.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
    return;
  }
  try {
    const changes = message.statements.length > 1 ? inTransaction(message.statements) : runAll(message.statements);
    parentPort.postMessage({ id: message.id, changes });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: error.message, code: error.code || null } });
  }
});
`;

interface WriterReply {
  id?: number;
  changes?: number[];
  error?: { message: string; code: string | null };
  closed?: boolean;
}

/**
 * Writes to one SQLite file from a worker thread, so commits and WAL checkpoints (which wait on
 * the disk) never block the event loop; reads stay on the main thread's connection, which sees
 * every committed write (WAL). Writes run in the order they are sent; a batch of several
 * statements is one transaction. The worker closes its database before it ends, never leaving
 * the native handles to garbage collection.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (changes: number[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private failure: Error | null = null;

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
    // A server with nothing to write should still exit; pending writes keep it referenced.
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => this.settle(reply));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`the SQLite writer thread exited with code ${code}`));
    });
  }

  /** Runs statements (several: in one transaction) and resolves with each one's changed row count. */
  write(statements: readonly WriteStatement[]): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('the SQLite writer is closed'));
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, statements });
    });
  }

  /** Waits for the writes sent so far, closes the worker's database and ends the thread. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ close: true });
    });
    return this.closing;
  }

  private settle(reply: WriterReply): void {
    if (reply.id === undefined) return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
    if (reply.error) waiting.reject(new SqliteWriteError(reply.error.message, reply.error.code));
    else waiting.resolve(reply.changes ?? []);
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
