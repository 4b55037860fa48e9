import type { ServerResponse } from 'node:http';
import type { ProviderLogger, RouteResult } from '@cria/api';
import { toErrorReply } from './server-errors.js';
import type { ServerRequest } from './server-request.js';
import { writeSse } from './server-sse.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> | undefined, hookHeaders: Record<string, string> | null): void {
  const text = JSON.stringify(body);
  const all: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) };
  // Added one by one: writeHead walks an object made by spreading others several times slower (~15 µs).
  if (headers) for (const name in headers) all[name] ??= headers[name]!;
  if (hookHeaders) for (const name in hookHeaders) all[name] ??= hookHeaders[name]!;
  res.writeHead(status, all);
  res.end(text);
}

/** Writes a handler's result: JSON, SSE events, bytes, or an empty 204. Resolves when written. */
export async function writeResult(request: ServerRequest, result: RouteResult, logger: ProviderLogger): Promise<void> {
  const { res } = request;
  if ('json' in result) {
    request.statusCode = result.status ?? 200;
    writeJson(res, request.statusCode, result.json, result.headers, request.hookHeaders);
    return;
  }
  request.applyHookHeaders();
  if ('sse' in result) {
    request.statusCode = 200;
    await writeSse(res, result.sse, { done: result.done, eventField: result.eventField, signal: request.context.signal, onError: (error) => toErrorReply(error, logger).body });
    return;
  }
  if ('stream' in result) {
    request.statusCode = 200;
    res.writeHead(200, { ...(result.headers ?? {}), 'content-type': result.contentType });
    await new Promise<void>((resolve) => {
      const stream = result.stream;
      const done = () => resolve();
      stream.once('error', (error: Error) => {
        logger.warn('a download failed part way', { path: request.path, error: error.message });
        res.destroy(error);
        done();
      });
      res.once('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
    return;
  }
  request.statusCode = result.status;
  res.writeHead(result.status);
  res.end();
}

/** Answers an error in OpenAI's envelope, unless the response has started (then it is ended). */
export function writeError(request: ServerRequest, error: unknown, logger: ProviderLogger): void {
  const { res } = request;
  // The client went away and the request was aborted for it: nobody to answer.
  if (res.destroyed || (error as Error | undefined)?.name === 'AbortError') return;
  if (res.headersSent) {
    logger.warn('error after the response started', { path: request.path, error: (error as Error).message });
    res.end();
    return;
  }
  const reply = toErrorReply(error, logger);
  request.statusCode = reply.status;
  writeJson(res, reply.status, reply.body, reply.headers, request.hookHeaders);
}
