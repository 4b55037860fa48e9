import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, UpstreamTimeoutError } from '@cria/api';
import { UpstreamClient, upstreamErrorMessage } from './upstream-client.js';

describe('upstreamErrorMessage', () => {
  it('reads the error envelopes of OpenAI, vLLM, Ollama and FastAPI, and plain text', () => {
    expect(upstreamErrorMessage('{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key","param":null}}')).toEqual({ message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key', param: null });
    expect(upstreamErrorMessage('{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}')).toMatchObject({ message: 'too long', code: '400' });
    expect(upstreamErrorMessage('{"error":"model \\"x\\" not found"}').message).toBe('model "x" not found');
    expect(upstreamErrorMessage('{"detail":"Not Found"}').message).toBe('Not Found');
    expect(upstreamErrorMessage('{"detail":[{"loc":["body","model"],"msg":"field required"}]}').message).toBe('[{"loc":["body","model"],"msg":"field required"}]');
    expect(upstreamErrorMessage('<html>502 Bad Gateway</html>').message).toBe('<html>502 Bad Gateway</html>');
    expect(upstreamErrorMessage('').message).toBe('no error message');
  });
});

describe('UpstreamClient', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/broken') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"finish_reason":null}]}\n\n');
        setTimeout(() => res.destroy(), 20);
      } else if (req.url === '/v1/slow') {
        setTimeout(() => res.writeHead(200).end('{}'), 1_500);
      } else {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' }).end('{"error":{"message":"slow down","type":"rate_limit_error"}}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('turns an error status into an UpstreamError with the upstream message and retry-after', async () => {
    const client = new UpstreamClient({ provider: 'p', baseUrl });
    const failure = await client.json('GET', '/models', {}, undefined, undefined).catch((error: unknown) => error);
    expect(UpstreamError.is(failure)).toBe(true);
    expect(failure).toMatchObject({ message: 'slow down', status: 429, retryAfterSeconds: 3, upstreamType: 'rate_limit_error', kind: 'rate_limited' });
    await client.close();
  });

  it('fails a stream that breaks before its final event, and a read that outlasts the timeout', async () => {
    const client = new UpstreamClient({ provider: 'p', baseUrl, network: { timeout: 1 } });
    const events = await client.stream<{ choices: { finish_reason: string | null }[] }>('/broken', {}, '{}', undefined, (event) => event.choices.some((choice) => choice.finish_reason !== null));
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const event of events) seen.push(event);
    })().catch((error: unknown) => error);
    expect(seen).toHaveLength(1);
    expect(UpstreamError.is(failure)).toBe(true);
    const slow = await client.json('GET', '/slow', {}, undefined, undefined).catch((error: unknown) => error);
    expect(UpstreamTimeoutError.is(slow)).toBe(true);
    expect((slow as Error).message).toMatch(/did not answer .* within 1 s/);
    await client.close();
  });
});
