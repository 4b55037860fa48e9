import { describe, expect, it } from 'vitest';
import { parseSse } from './sse-parser.js';

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const events: string[] = [];
  for await (const event of source) events.push(event);
  return events;
}

describe('parseSse', () => {
  it('yields the data of each event, across chunk boundaries and CRLF line ends', async () => {
    expect(await collect(parseSse(bytes('data: {"a":', '1}\n\nda', 'ta: {"b":2}\r\n\r\ndata: [DONE]\n\n')))).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
  });

  it('joins multi-line data, skips comments and other fields, and keeps a last event without a blank line', async () => {
    expect(await collect(parseSse(bytes(': keep-alive\n\nevent: message\ndata: line one\ndata: line two\nid: 7\n\ndata:tight\n\ndata: tail')))).toEqual(['line one\nline two', 'tight', 'tail']);
  });

  it('handles a multi-byte character split across chunks', async () => {
    const encoded = new TextEncoder().encode('data: "é"\n\n');
    async function* split() {
      yield encoded.slice(0, 8);
      yield encoded.slice(8);
    }
    expect(await collect(parseSse(split()))).toEqual(['"é"']);
  });

  it('reads a CRLF pair split between two chunks as one line end, and a lone CR as a line end', async () => {
    expect(await collect(parseSse(bytes('data: one\r', '\n\r\ndata: two\r\rdata: three\n\n')))).toEqual(['one', 'two', 'three']);
  });

  it('fails on an event that outgrows the limit rather than buffering it', async () => {
    const endless = (async function* () {
      for (let index = 0; index < 100; index++) yield new TextEncoder().encode(`data: ${'x'.repeat(100)}`);
    })();
    await expect(collect(parseSse(endless, { maxEventChars: 1_000 }))).rejects.toThrow(/larger than 1000 characters/);
  });
});
