import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/**
 * Writes an async iterable as server-sent events (`data: <json>\n\n`, after `event: <name>` when
 * `eventField` names the field that names each event), honouring back-pressure.
 * Stops, and returns the iterator, as soon as the client goes away. `onError` turns a failure
 * mid-stream into the event to send before the stream ends.
 */
export async function writeSse(
  res: ServerResponse,
  events: AsyncIterable<unknown>,
  options: { done: boolean; eventField?: string; onError: (error: unknown) => unknown; signal: AbortSignal },
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // What is written in one turn of the event loop goes out in one write: the headers with the
  // events ready at once, then each burst of events (one upstream read) together. The socket is
  // corked, not the response: on Node 22 and later, ending a corked response drops what it holds,
  // while `end` flushes a corked socket (the last events and the stream's end go out together).
  const socket = res.socket;
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    socket!.uncork();
  };
  const cork = () => {
    if (corked || !socket) return;
    corked = true;
    socket.cork();
    setImmediate(uncork);
  };
  cork();
  res.flushHeaders();
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (options.signal.aborted) break;
      const next = await iterator.next();
      if (next.done) break;
      cork();
      if (!res.write(frame(next.value, options.eventField))) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    }
    if (!options.signal.aborted && options.done) res.write('data: [DONE]\n\n');
  } catch (error) {
    if (!options.signal.aborted) res.write(frame(options.onError(error), options.eventField));
  } finally {
    if (options.signal.aborted) await iterator.return?.().catch(() => undefined);
    // `end` flushes the socket: a later uncork must not touch the next response on the connection.
    corked = false;
    res.end();
  }
}

function frame(event: unknown, eventField: string | undefined): string {
  const name = eventField ? (event as Record<string, unknown> | null)?.[eventField] : undefined;
  return typeof name === 'string' ? `event: ${name}\ndata: ${JSON.stringify(event)}\n\n` : `data: ${JSON.stringify(event)}\n\n`;
}
