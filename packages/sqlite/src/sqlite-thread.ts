import { Worker } from 'node:worker_threads';
import type { SqliteOpenOptions, SqliteRow } from './sqlite-driver.js';

/** One statement to run: its SQL and its parameters (strings, numbers, bigints, null, blobs). */
export interface SqliteWrite {
  sql: string;
  params: readonly unknown[];
}

/** A read: its SQL, its parameters, and whether only the first column of each row is wanted. */
export interface SqliteRead extends SqliteWrite {
  column?: boolean;
}

/** A statement that failed on the thread: SQLite's message and the binding's code (e.g. SQLITE_CONSTRAINT_PRIMARYKEY). */
export class SqliteThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'SqliteThreadError';
  }
}

interface ThreadReply {
  id?: number;
  changes?: number[];
  rows?: unknown[];
  error?: { message: string; code: string | null };
  closed?: boolean;
}

/**
 * A connection on a worker thread of its own, so that commits, WAL checkpoints and long reads
 * (an exact vector search over every row) never block the event loop. Work runs in the order it
 * is sent. The thread starts on first use and holds the process open only while work is
 * pending; `close` finishes the work sent, closes the thread's connection (finalizing its
 * statements) and ends the thread.
 */
export class SqliteThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly options: SqliteOpenOptions & { name: string },
  ) {}

  /** Runs writes in order (several: in one transaction) and resolves with each one's changed row count. */
  async write(statements: readonly SqliteWrite[]): Promise<number[]> {
    return (await this.send({ write: statements })).changes ?? [];
  }

  /** The rows of a read (the first column of each when `column` is set). */
  async read<Row = SqliteRow>(query: SqliteRead): Promise<Row[]> {
    return ((await this.send({ read: query })).rows ?? []) as Row[];
  }

  /** Waits for the work sent so far, closes the thread's connection and ends the thread. */
  close(): Promise<void> {
    const worker = this.worker;
    this.closing ??= worker
      ? new Promise<void>((resolve) => {
          worker.ref();
          worker.once('exit', () => resolve());
          worker.postMessage({ close: true });
        })
      : Promise.resolve();
    return this.closing;
  }

  private send(message: { write: readonly SqliteWrite[] } | { read: SqliteRead }): Promise<ThreadReply> {
    if (this.closing) return Promise.reject(new Error(`the ${this.options.name} thread is closed`));
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<ThreadReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...message });
    });
  }

  private start(): Worker {
    const { name, ...options } = this.options;
    const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path: this.path, options }, name });
    // A server with nothing to do should still exit; pending work keeps it referenced.
    worker.unref();
    worker.on('message', (reply: ThreadReply) => {
      if (reply.id === undefined) return;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0 && !this.closing) worker.unref();
      if (reply.error) waiting.reject(new SqliteThreadError(reply.error.message, reply.error.code));
      else waiting.resolve(reply);
    });
    const fail = (error: Error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
      // The next call starts a new thread.
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`the ${name} thread exited with code ${code}`));
    });
    return worker;
  }
}
