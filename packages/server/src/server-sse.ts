import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/**
 * Writes an async iterable as server-sent events (`data: <json>\n\n`), honouring back-pressure.
 * Stops, and returns the iterator, as soon as the client goes away. `onError` turns a failure
 * mid-stream into the event to send before the stream ends.
 */
export async function writeSse(
  res: ServerResponse,
  events: AsyncIterable<unknown>,
  options: { done: boolean; onError: (error: unknown) => unknown; signal: AbortSignal },
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (options.signal.aborted) break;
      const next = await iterator.next();
      if (next.done) break;
      if (!res.write(`data: ${JSON.stringify(next.value)}\n\n`)) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    }
    if (!options.signal.aborted && options.done) res.write('data: [DONE]\n\n');
  } catch (error) {
    if (!options.signal.aborted) res.write(`data: ${JSON.stringify(options.onError(error))}\n\n`);
  } finally {
    if (options.signal.aborted) await iterator.return?.().catch(() => undefined);
    res.end();
  }
}
