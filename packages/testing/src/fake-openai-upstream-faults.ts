import type { ServerResponse } from 'node:http';

/** A failure to inject into the next matching request(s). */
export type FakeFault =
  | { kind: 'status'; status: number; message?: string; type?: string }
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  | { kind: 'slow_first_byte'; delayMs: number }
  | { kind: 'hang' }
  | { kind: 'invalid_json' }
  /** Streams: send `afterChunks` chunks, then garbage, then end without [DONE]. */
  | { kind: 'broken_sse'; afterChunks: number }
  /** Streams: send `afterChunks` chunks, then drop the connection. */
  | { kind: 'disconnect'; afterChunks: number }
  /** Streams: send `afterChunks` chunks, then an OpenAI error event. */
  | { kind: 'error_event'; afterChunks: number; message?: string };

/** The faults that strike a stream part-way (the others strike before the answer). */
export type StreamFault = Extract<FakeFault, { afterChunks: number }>;

interface QueuedFault {
  fault: FakeFault;
  remaining: number;
  path?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An error in OpenAI's envelope. */
export function sendError(res: ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
  sendJson(res, { error: { message, type, param: null, code } }, status);
}

/** The faults waiting for requests, first queued first taken. */
export class FaultQueue {
  private readonly faults: QueuedFault[] = [];

  /** Injects `fault` into the next `times` requests (to `path` only, when given). */
  add(fault: FakeFault, times: number, path?: string): void {
    this.faults.push({ fault, remaining: times, ...(path ? { path } : {}) });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The fault for a request to `path`, if one is queued for it. */
  take(path: string): FakeFault | undefined {
    const index = this.faults.findIndex((queued) => !queued.path || queued.path === path);
    if (index === -1) return undefined;
    const queued = this.faults[index]!;
    if (--queued.remaining <= 0) this.faults.splice(index, 1);
    return queued.fault;
  }
}

/**
 * Applies a fault that strikes before the answer: answers the request with it (returns true), or,
 * for a slow first byte, waits and lets the answer go on (returns false, as for stream faults).
 */
export async function answerWithFault(res: ServerResponse, fault: FakeFault): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      sendError(res, fault.status, fault.message ?? `fake upstream failure ${fault.status}`, fault.type ?? (fault.status >= 500 ? 'server_error' : 'invalid_request_error'));
      return true;
    case 'rate_limit':
      res.setHeader('retry-after', String(fault.retryAfterSeconds));
      sendError(res, 429, 'Rate limit reached for requests.', 'requests', 'rate_limit_exceeded');
      return true;
    case 'slow_first_byte':
      await sleep(fault.delayMs);
      return false;
    case 'hang':
      return true;
    case 'invalid_json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-broken", "choices": [');
      return true;
    default:
      return false;
  }
}

export function isStreamFault(fault: FakeFault | undefined): fault is StreamFault {
  return fault !== undefined && (fault.kind === 'broken_sse' || fault.kind === 'disconnect' || fault.kind === 'error_event');
}

/** Sends events as SSE, ending with [DONE], unless `fault` breaks the stream after some of them. */
export async function writeEventStream(res: ServerResponse, events: unknown[], fault: StreamFault | undefined, delayMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const [index, event] of events.entries()) {
    if (res.destroyed) return;
    if (fault && index === fault.afterChunks) {
      if (fault.kind === 'disconnect') {
        res.socket?.destroy();
        return;
      }
      if (fault.kind === 'broken_sse') {
        res.end('data: {"id": "chatcmpl-broken", "choi\n\n');
        return;
      }
      res.end(`data: ${JSON.stringify({ error: { message: fault.message ?? 'The model crashed while generating.', type: 'server_error', code: null } })}\n\n`);
      return;
    }
    res.write(`data: ${JSON.stringify(event)}\n\n`);
    if (delayMs) await sleep(delayMs);
  }
  res.end('data: [DONE]\n\n');
}
