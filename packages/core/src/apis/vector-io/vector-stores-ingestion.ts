import type { ProviderLogger, TraceContext } from '@cria/api';

/** One file of one vector store to ingest. */
export interface IngestionTask {
  vectorStoreId: string;
  fileId: string;
  /** The trace context of the request that attached the file, when it was traced (after a restart, rebuilt from the file's `trace_carrier`). */
  traceContext?: TraceContext | undefined;
}

/** Ingests a file; stops (throwing or returning) soon after `signal` aborts. */
export type IngestionRunner = (task: IngestionTask, signal: AbortSignal) => Promise<void>;

function keyOf(vectorStoreId: string, fileId: string): string {
  return `${vectorStoreId}\u0000${fileId}`;
}

interface RunningTask {
  task: IngestionTask;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The background ingestion of vector store files: first in, first out, at most `concurrency`
 * files at once. Cancelling a task waits until it has stopped, so whoever cancels can clean up
 * after it without racing it. Tasks are not persisted here: the files' `in_progress` status is,
 * and the vector stores service enqueues those again at start-up.
 */
export class IngestionQueue {
  private readonly pending: IngestionTask[] = [];
  private readonly running = new Map<string, RunningTask>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly run: IngestionRunner,
    private readonly logger: ProviderLogger,
  ) {}

  enqueue(task: IngestionTask): void {
    if (this.closed) return;
    const key = keyOf(task.vectorStoreId, task.fileId);
    if (this.running.has(key) || this.pending.some((queued) => keyOf(queued.vectorStoreId, queued.fileId) === key)) return;
    this.pending.push(task);
    this.pump();
  }

  /** Drops the file's queued task and stops its running one; resolves once it has stopped. */
  async cancel(vectorStoreId: string, fileId: string): Promise<void> {
    await this.cancelWhere((task) => task.vectorStoreId === vectorStoreId && task.fileId === fileId);
  }

  /** Cancels every task of a store. */
  async cancelStore(vectorStoreId: string): Promise<void> {
    await this.cancelWhere((task) => task.vectorStoreId === vectorStoreId);
  }

  /** Files waiting for a turn, and files being ingested. */
  get depth(): { queued: number; running: number } {
    return { queued: this.pending.length, running: this.running.size };
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops everything (the files stay `in_progress`, to be resumed at the next start). */
  async close(): Promise<void> {
    this.closed = true;
    await this.cancelWhere(() => true);
  }

  private async cancelWhere(matches: (task: IngestionTask) => boolean): Promise<void> {
    for (let index = this.pending.length - 1; index >= 0; index--) if (matches(this.pending[index]!)) this.pending.splice(index, 1);
    const stopping = [...this.running.values()].filter((running) => matches(running.task));
    for (const running of stopping) running.controller.abort(new Error('ingestion cancelled'));
    await Promise.all(stopping.map((running) => running.done));
    this.notifyIdle();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.pending.length > 0) {
      const task = this.pending.shift()!;
      const key = keyOf(task.vectorStoreId, task.fileId);
      const controller = new AbortController();
      const done = this.run(task, controller.signal)
        .catch((error: Error) => this.logger.error('file ingestion failed unexpectedly', { vector_store_id: task.vectorStoreId, file_id: task.fileId, error: error.stack ?? error.message }))
        .finally(() => {
          this.running.delete(key);
          this.pump();
          this.notifyIdle();
        });
      this.running.set(key, { task, controller, done });
    }
  }

  private notifyIdle(): void {
    if (this.pending.length > 0 || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The KeyedLock key of one attached file. */
export function fileLockKey(vectorStoreId: string, fileId: string): string {
  return `${vectorStoreId}/${fileId}`;
}

/** Runs functions one at a time per key (a file's final write vs an attribute update or a delete). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, action: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await action();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
