import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logger.js';
import { IngestionQueue, type IngestionTask, KeyedLock } from './vector-stores-ingestion.js';

const logger = createLogger('test');

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('ingestion queue', () => {
  it('runs at most `concurrency` tasks, first in first out, and ignores a task already queued', async () => {
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred>>();
    let running = 0;
    let peak = 0;
    const queue = new IngestionQueue(2, async (task: IngestionTask) => {
      running++;
      peak = Math.max(peak, running);
      started.push(task.fileId);
      const gate = deferred();
      gates.set(task.fileId, gate);
      await gate.promise;
      running--;
    }, logger);
    for (const fileId of ['a', 'b', 'c', 'd', 'c']) queue.enqueue({ vectorStoreId: 'vs', fileId });
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b']);
    // What the ingestion gauge reads: two running, two waiting (the second 'c' was not queued again).
    expect(queue.depth).toEqual({ queued: 2, running: 2 });
    gates.get('a')!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b', 'c']);
    for (const fileId of ['b', 'c']) gates.get(fileId)!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    gates.get('d')!.resolve();
    await queue.idle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(peak).toBe(2);
  });

  it('cancelling drops a queued task and resolves once a running one has stopped', async () => {
    const stopped: string[] = [];
    const queue = new IngestionQueue(1, (task, signal) => new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => setTimeout(() => {
        stopped.push(task.fileId);
        resolve();
      }, 20));
    }), logger);
    queue.enqueue({ vectorStoreId: 'vs', fileId: 'running' });
    queue.enqueue({ vectorStoreId: 'vs', fileId: 'queued' });
    await queue.cancel('vs', 'queued');
    await queue.cancel('vs', 'running');
    expect(stopped).toEqual(['running']);
    await queue.idle();
    await queue.close();
    queue.enqueue({ vectorStoreId: 'vs', fileId: 'after-close' });
    await queue.idle();
    expect(stopped).toEqual(['running']);
  });
});

describe('keyed lock', () => {
  it('runs actions on one key one at a time, and on different keys at once', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const slow = lock.run('k', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('first');
    });
    const other = lock.run('other', async () => order.push('other'));
    const second = lock.run('k', async () => order.push('second'));
    await Promise.all([slow, other, second]);
    expect(order).toEqual(['other', 'first', 'second']);
  });
});
