import { UnavailableError } from '@cria/api';

interface Waiter<T> {
  count: number;
  resolve: (resources: T[]) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

/**
 * A fixed set of resources (a model's context sequences) shared by requests through a FIFO
 * queue. A request may take several at once (n > 1); the head of the queue is served first so a
 * large request is never starved by small ones. A waiter whose signal aborts leaves the queue.
 */
export class ResourcePool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private leased = 0;

  constructor(
    /** Every resource of the pool, leased or not. */
    readonly resources: readonly T[],
    private readonly maxQueued: number,
    private readonly describe: string,
    private readonly onIdle: () => void = () => undefined,
  ) {
    this.free = [...resources];
  }

  /** All resources, free or not. */
  get size(): number {
    return this.free.length + this.leased;
  }

  /** Requests waiting for a resource. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether nothing is leased and nobody waits. */
  get idle(): boolean {
    return this.leased === 0 && this.waiters.length === 0;
  }

  /** Takes `count` resources, waiting for them in the queue; rejects when `signal` aborts first. */
  acquire(count: number, signal: AbortSignal): Promise<T[]> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length === 0 && this.free.length >= count) return Promise.resolve(this.take(count));
    if (this.waiters.length >= this.maxQueued) {
      return Promise.reject(new UnavailableError(`${this.describe} is busy: ${this.waiters.length} requests are already waiting. Try again shortly.`, { retryAfterSeconds: 1, code: 'queue_full' }));
    }
    return new Promise<T[]>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason);
        // The head may have changed: a smaller request behind it may fit now.
        this.serve();
      };
      const waiter: Waiter<T> = { count, resolve, reject, detach: () => signal.removeEventListener('abort', onAbort) };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Gives resources back; the queue's head gets them if it can. */
  release(resources: readonly T[]): void {
    this.leased -= resources.length;
    this.free.push(...resources);
    this.serve();
    if (this.idle) this.onIdle();
  }

  /** Rejects everyone waiting (the model is being unloaded or the server stops). */
  rejectWaiting(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach();
      waiter.reject(error);
    }
  }

  private take(count: number): T[] {
    this.leased += count;
    return this.free.splice(0, count);
  }

  private serve(): void {
    while (this.waiters.length && this.free.length >= this.waiters[0]!.count) {
      const waiter = this.waiters.shift()!;
      waiter.detach();
      waiter.resolve(this.take(waiter.count));
    }
  }
}
