import { describe, expect, it } from 'vitest';
import { UnavailableError } from '@cria/api';
import { ResourcePool } from './llama-cpp-pool.js';

const never = new AbortController().signal;

describe('ResourcePool', () => {
  it('serves waiters in order, a large request before later small ones', async () => {
    const pool = new ResourcePool(['a', 'b'], 10, 'test');
    const first = await pool.acquire(2, never);
    const order: string[] = [];
    const big = pool.acquire(2, never).then((got) => order.push(`big:${got.length}`));
    const small = pool.acquire(1, never).then(() => order.push('small'));
    // What the queue gauge reads.
    expect(pool.waiting).toBe(2);
    pool.release(first.slice(0, 1));
    await Promise.resolve();
    expect(order).toEqual([]);
    pool.release(first.slice(1));
    await big;
    expect(order).toEqual(['big:2']);
    expect(pool.waiting).toBe(1);
    pool.release(['a', 'b']);
    await small;
    expect(order).toEqual(['big:2', 'small']);
  });

  it('drops a waiter whose signal aborts, and refuses beyond the queue limit', async () => {
    const pool = new ResourcePool(['a'], 1, 'Model x');
    const held = await pool.acquire(1, never);
    const controller = new AbortController();
    const waiting = pool.acquire(1, controller.signal);
    await expect(pool.acquire(1, never)).rejects.toBeInstanceOf(UnavailableError);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    let idle = false;
    const watched = new ResourcePool(['a'], 1, 'y', () => (idle = true));
    watched.release(await watched.acquire(1, never));
    expect(idle).toBe(true);
    pool.release(held);
    expect(pool.idle).toBe(true);
  });
});
