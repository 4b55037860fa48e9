// @ts-check
// A worker thread holding one connection (see SqliteThread): runs the writes and reads sent to
// it, in order, and closes its connection before the thread ends.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteConnection } from './sqlite-driver.js';

if (!parentPort) throw new Error('sqlite-worker.js runs as a worker thread');
const port = parentPort;
const connection = new SqliteConnection(workerData.path, workerData.options);

/** @param {unknown} value a blob arrives as a Uint8Array; better-sqlite3 binds only Buffers */
const bindable = (value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);

/** @param {readonly { sql: string, params: readonly unknown[] }[]} statements */
const runAll = (statements) => statements.map((entry) => connection.statement(entry.sql).run(...entry.params.map(bindable)).changes);

port.on('message', (message) => {
  if (message.close) {
    connection.close();
    port.postMessage({ closed: true });
    port.close();
    return;
  }
  try {
    if (message.write) {
      const changes = message.write.length > 1 ? connection.transaction(() => runAll(message.write)) : runAll(message.write);
      port.postMessage({ id: message.id, changes });
    } else {
      const statement = connection.statement(message.read.sql);
      const params = message.read.params.map(bindable);
      port.postMessage({ id: message.id, rows: message.read.column ? statement.column(...params) : statement.all(...params) });
    }
  } catch (error) {
    const { message: text, code } = /** @type {Error & { code?: unknown }} */ (error);
    port.postMessage({ id: message.id, error: { message: text, code: typeof code === 'string' ? code : null } });
  }
});
