/**
 * Turns callbacks (node-llama-cpp's onTextChunk) into an async iterable. When the consumer
 * stops early (the client went away and the server returned the iterator), `onCancel` runs so
 * the generation is aborted and its sequence freed at once.
 */
export class ChunkQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private failWaiting: ((error: unknown) => void) | null = null;
  private ended = false;
  private error: unknown = undefined;
  private failed = false;

  constructor(private readonly onCancel: () => void) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failed = true;
    this.error = error;
    if (this.failWaiting) {
      const reject = this.failWaiting;
      this.waiting = this.failWaiting = null;
      reject(error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) {
          if (this.failed) {
            this.failed = false;
            return Promise.reject(this.error);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        if (!this.ended) {
          this.ended = true;
          this.items.length = 0;
          this.onCancel();
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error as Error)?.name === 'AbortError';
}

/**
 * Starts a generation that feeds a ChunkQueue and returns the queue at once. The generation's
 * signal aborts when the client goes away or the consumer stops reading; an abort ends the
 * stream quietly, any other failure ends it with that error. `onSettled` runs once either way.
 */
export function streamGeneration<T>(clientSignal: AbortSignal, produce: (queue: ChunkQueue<T>, signal: AbortSignal) => Promise<void>, onSettled?: () => void): ChunkQueue<T> {
  const abort = new AbortController();
  const onClientAbort = () => abort.abort(clientSignal.reason);
  clientSignal.addEventListener('abort', onClientAbort, { once: true });
  const queue = new ChunkQueue<T>(() => abort.abort(new Error('stream closed by the consumer')));
  void produce(queue, abort.signal)
    .then(
      () => queue.end(),
      (error: unknown) => (isAbort(error, abort.signal) ? queue.end() : queue.fail(error)),
    )
    .finally(() => {
      clientSignal.removeEventListener('abort', onClientAbort);
      onSettled?.();
    });
  return queue;
}
