import { describe, expect, it } from 'vitest';
import { parseSse, upstreamErrorMessage } from './openai-compat-http.js';

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
});

describe('upstreamErrorMessage', () => {
  it('reads the error envelopes of OpenAI, vLLM, Ollama and FastAPI, and plain text', () => {
    expect(upstreamErrorMessage('{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key","param":null}}')).toEqual({ message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key', param: null });
    expect(upstreamErrorMessage('{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}')).toMatchObject({ message: 'too long', code: '400' });
    expect(upstreamErrorMessage('{"error":"model \\"x\\" not found"}').message).toBe('model "x" not found');
    expect(upstreamErrorMessage('{"detail":"Not Found"}').message).toBe('Not Found');
    expect(upstreamErrorMessage('<html>502 Bad Gateway</html>').message).toBe('<html>502 Bad Gateway</html>');
    expect(upstreamErrorMessage('').message).toBe('no error message');
  });
});
