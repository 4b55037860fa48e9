import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** A read: SQL and its parameters (numbers, strings, null, blobs). */
export interface ReadQuery {
  sql: string;
  params: readonly unknown[];
  /** Only the first column of each row (better-sqlite3's `pluck`). */
  pluck?: boolean;
}

// Plain JavaScript run from a string, so it is the same from the TypeScript sources and from dist;
// it loads the driver and the extension the main thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const sqliteVec = require(workerData.extension);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
sqliteVec.load(db);
db.pragma('busy_timeout = 5000');
db.pragma('mmap_size = ' + workerData.mmapSize);
const statements = new Map();
const asBlob = (value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);
parentPort.on('message', (message) => {
  if (message.close) {
    statements.clear();
    db.close();
    parentPort.postMessage({ closed: true });
    parentPort.close();
    return;
  }
  try {
    const key = (message.pluck ? 'p:' : 'r:') + message.sql;
    let statement = statements.get(key);
    if (!statement) statements.set(key, (statement = message.pluck ? db.prepare(message.sql).pluck() : db.prepare(message.sql)));
    parentPort.postMessage({ id: message.id, rows: statement.all(...message.params.map(asBlob)) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: error.message });
  }
});
`;

/**
 * Runs sqlite-vec's searches on a worker thread with a read-only connection of its own: an exact
 * search reads every embedding of a store (tens of milliseconds on 100,000 chunks), which on the
 * main thread would hold every other request for as long. Writes stay on the main thread's
 * connection; the reader sees each committed write (WAL). An in-memory database has no second
 * connection: its reads run on the main thread.
 */
export class SqliteVecReader {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly mainConnection: Database.Database,
    private readonly mmapSize: number,
  ) {}

  /** The rows of a read query. */
  all<Row>(query: ReadQuery): Promise<Row[]> {
    if (this.path === ':memory:') {
      const statement = this.mainConnection.prepare(query.sql);
      return Promise.resolve((query.pluck ? statement.pluck() : statement).all(...query.params) as Row[]);
    }
    if (this.closing) return Promise.reject(new Error('the sqlite-vec reader is closed'));
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise<Row[]>((resolve, reject) => {
      this.pending.set(id, { resolve: (rows) => resolve(rows as Row[]), reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...query });
    });
  }

  /** Closes the reader's connection and ends its thread. */
  close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      worker.ref();
      worker.once('exit', () => resolve());
      worker.postMessage({ close: true });
    });
    return this.closing;
  }

  private start(): Worker {
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: this.path, driver: require.resolve('better-sqlite3'), extension: require.resolve('sqlite-vec'), mmapSize: this.mmapSize },
    });
    worker.unref();
    worker.on('message', (reply: { id?: number; rows?: unknown[]; error?: string }) => {
      if (reply.id === undefined) return;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.rows ?? []);
    });
    const fail = (error: Error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
      this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`the sqlite-vec reader thread exited with code ${code}`));
    });
    return worker;
  }
}
