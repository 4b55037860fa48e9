import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSse } from './server-sse.js';

/** Events made in bursts: some at once, some after a pause, as an upstream's reads come. */
async function* bursts(): AsyncGenerator<{ type: string; n: number }> {
  yield { type: 'first', n: 0 };
  yield { type: 'second', n: 1 };
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (let n = 2; n < 6; n++) yield { type: 'delta', n };
  yield { type: 'last', n: 6 };
}

describe('writeSse', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const controller = new AbortController();
      void writeSse(res, req.url === '/fails' ? failing() : bursts(), { done: req.url === '/done', eventField: req.url === '/named' ? 'type' : undefined, signal: controller.signal, onError: () => ({ error: { message: 'broke' } }) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function* failing(): AsyncGenerator<{ n: number }> {
    yield { n: 0 };
    throw new Error('upstream broke');
  }

  it('sends every event, in order, and ends the stream; again on the same connection', async () => {
    // Twice in a row: what one stream leaves behind would break the next answer on the connection.
    for (let round = 0; round < 2; round++) {
      const reply = await fetch(`${url}/done`);
      expect(reply.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const text = await reply.text();
      expect(text.split('\n\n').filter(Boolean)).toEqual([...[0, 1, 2, 3, 4, 5].map((n) => `data: ${JSON.stringify({ type: n === 0 ? 'first' : n === 1 ? 'second' : 'delta', n })}`), `data: ${JSON.stringify({ type: 'last', n: 6 })}`, 'data: [DONE]']);
    }
  });

  it('names events when asked, and ends a failing stream with its error event', async () => {
    const named = await (await fetch(`${url}/named`)).text();
    expect(named.startsWith('event: first\ndata: {"type":"first","n":0}\n\n')).toBe(true);
    expect(named.endsWith('event: last\ndata: {"type":"last","n":6}\n\n')).toBe(true);
    expect(await (await fetch(`${url}/fails`)).text()).toBe('data: {"n":0}\n\ndata: {"error":{"message":"broke"}}\n\n');
  });
});
