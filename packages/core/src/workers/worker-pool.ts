import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { findPackageDirectory, packageEntry } from '../catalog/catalog.js';

/** What a worker answers: the reply, or the error it threw (its name, message and own fields). */
export type WorkerReply<Reply> = { id: number; reply: Reply } | { id: number; error: { name: string; message: string; fields: Record<string, unknown> } };

/** An error a worker threw, rebuilt on this side with its name and fields. */
export class WorkerTaskError extends Error {
  constructor(
    name: string,
    message: string,
    readonly fields: Record<string, unknown>,
  ) {
    super(message);
    this.name = name;
  }
}

interface Task<Request, Reply> {
  id: number;
  request: Request;
  transfer: readonly ArrayBuffer[];
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

interface PooledWorker {
  worker: Worker;
  busy: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

/** Starts the worker's module, registering tsx first when it is TypeScript. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

/**
 * How to start the worker: the compiled `.js` beside the entry, or, when running from the
 * TypeScript sources (tests, through tsx, which the workspace has), the `.ts` itself.
 */
function workerScript(entry: URL): { entry: string; tsx: string | null } {
  if (existsSync(fileURLToPath(entry))) return { entry: entry.href, tsx: null };
  const source = new URL(entry.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(source))) throw new Error(`worker script ${fileURLToPath(entry)} not found`);
  const tsxDir = findPackageDirectory('tsx', process.cwd());
  if (!tsxDir) throw new Error(`worker script ${fileURLToPath(entry)} not built, and tsx is not installed to run its source`);
  return { entry: source.href, tsx: pathToFileURL(packageEntry(tsxDir, undefined, './esm/api')).href };
}

/**
 * A few worker threads for CPU-bound work (parsing a PDF, tokenizing a document) that would
 * otherwise block the event loop for tens or hundreds of milliseconds. Threads start on first
 * use and end after a while idle, so a server that never needs them pays nothing; tasks queue
 * when every thread is busy. The worker side is `serveWorkerTasks`.
 */
export class WorkerPool<Request, Reply> {
  private readonly workers: PooledWorker[] = [];
  private readonly queue: Task<Request, Reply>[] = [];
  private readonly running = new Map<number, { task: Task<Request, Reply>; worker: PooledWorker }>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly entry: URL,
    private readonly options: { size: number; idleTimeoutMs?: number },
  ) {}

  /** Runs one task on a free thread; `transfer` hands buffers over without copying them. */
  run(request: Request, transfer: readonly ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<Reply>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, transfer, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every thread; tasks still queued or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the worker pool is closed'));
    await Promise.all(this.workers.splice(0).map(({ worker, idleTimer }) => {
      clearTimeout(idleTimer);
      return worker.terminate();
    }));
  }

  private dispatch(): void {
    while (this.queue.length) {
      const pooled = this.workers.find((candidate) => !candidate.busy) ?? (this.workers.length < this.options.size ? this.spawn() : undefined);
      if (!pooled) return;
      const task = this.queue.shift()!;
      pooled.busy = true;
      clearTimeout(pooled.idleTimer);
      pooled.worker.ref();
      this.running.set(task.id, { task, worker: pooled });
      pooled.worker.postMessage({ id: task.id, request: task.request }, [...task.transfer]);
    }
  }

  private spawn(): PooledWorker {
    const pooled: PooledWorker = { worker: new Worker(BOOTSTRAP, { eval: true, workerData: workerScript(this.entry) }), busy: false, idleTimer: undefined };
    pooled.worker.on('message', (message: WorkerReply<Reply>) => this.settle(pooled, message));
    pooled.worker.on('error', (error: Error) => this.lose(pooled, error));
    pooled.worker.on('exit', (code) => this.lose(pooled, new Error(`a worker thread exited with code ${code}`)));
    this.workers.push(pooled);
    return pooled;
  }

  private settle(pooled: PooledWorker, message: WorkerReply<Reply>): void {
    const running = this.running.get(message.id);
    if (!running) return;
    this.running.delete(message.id);
    pooled.busy = false;
    pooled.worker.unref();
    if ('error' in message) running.task.reject(Object.assign(new WorkerTaskError(message.error.name, message.error.message, message.error.fields), message.error.fields));
    else running.task.resolve(message.reply);
    pooled.idleTimer = setTimeout(() => this.retire(pooled), this.options.idleTimeoutMs ?? 30_000);
    pooled.idleTimer.unref();
    this.dispatch();
  }

  private retire(pooled: PooledWorker): void {
    if (pooled.busy) return;
    this.workers.splice(this.workers.indexOf(pooled), 1);
    void pooled.worker.terminate();
  }

  /** A thread that died takes its task with it; the others go on. */
  private lose(pooled: PooledWorker, error: Error): void {
    const index = this.workers.indexOf(pooled);
    if (index === -1) return;
    this.workers.splice(index, 1);
    for (const [id, running] of this.running) {
      if (running.worker !== pooled) continue;
      this.running.delete(id);
      running.task.reject(error);
    }
    if (!this.closed) this.dispatch();
  }
}
