import { parentPort } from 'node:worker_threads';
import type { WorkerReply } from './worker-pool.js';

/**
 * The worker side of a WorkerPool: answers each task with `handler`'s result, or with the error
 * it threw (its name, message and own enumerable fields, such as an error code).
 */
export function serveWorkerTasks<Request, Reply>(handler: (request: Request) => Promise<{ reply: Reply; transfer?: ArrayBuffer[] }>): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorkerTasks runs in a worker thread');
  port.on('message', (message: { id: number; request: Request }) => {
    handler(message.request).then(
      ({ reply, transfer }) => port.postMessage({ id: message.id, reply } satisfies WorkerReply<Reply>, transfer ?? []),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        const fields = Object.fromEntries(Object.entries(failure).filter(([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value)));
        port.postMessage({ id: message.id, error: { name: failure.name, message: failure.message, fields } } satisfies WorkerReply<Reply>);
      },
    );
  });
}
