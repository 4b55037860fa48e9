import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { type Context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type Dispatcher, Pool, ProxyAgent } from 'undici';
import { isCriaError, type NetworkConfig, type RequestContext, UpstreamError, UpstreamTimeoutError } from '@cria/api';
import { parseSse } from './sse-parser.js';

/** Where an UpstreamClient sends its requests, and how. */
export interface UpstreamClientSettings {
  /** The provider id, named in error messages. */
  provider: string;
  baseUrl: string;
  network?: NetworkConfig | null;
  /** Upper bound on pooled keep-alive connections to the upstream. */
  maxConnections?: number;
}

interface Timeouts {
  connectMs: number;
  readMs: number;
}

const DEFAULT_CONNECT_MS = 10_000;
const DEFAULT_READ_MS = 600_000;

/** Answers read whole (non-streaming) larger than this are refused. */
const MAX_JSON_REPLY_BYTES = 64 * 1024 * 1024;

interface BufferedReply {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function timeouts(network: NetworkConfig | null | undefined): Timeouts {
  const timeout = network?.timeout;
  if (typeof timeout === 'number') return { connectMs: timeout * 1000, readMs: timeout * 1000 };
  return {
    connectMs: timeout?.connect ? timeout.connect * 1000 : DEFAULT_CONNECT_MS,
    readMs: timeout?.read ? timeout.read * 1000 : DEFAULT_READ_MS,
  };
}

function tlsOptions(network: NetworkConfig | null | undefined): Record<string, unknown> {
  const tls = network?.tls;
  if (!tls) return {};
  const options: Record<string, unknown> = {};
  if (tls.verify === false) options.rejectUnauthorized = false;
  else if (typeof tls.verify === 'string') options.ca = readFileSync(tls.verify);
  if (tls.min_version) options.minVersion = tls.min_version;
  if (tls.ciphers?.length) options.ciphers = tls.ciphers.join(':');
  if (tls.client_cert && tls.client_key) {
    options.cert = readFileSync(tls.client_cert);
    options.key = readFileSync(tls.client_key);
  }
  return options;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value ? value : undefined;
}

/** The proxy URL for `url`: `proxy.url`, or `proxy.http`/`proxy.https` by scheme, unless a `no_proxy` entry matches the host. */
function proxyFor(url: URL, network: NetworkConfig | null | undefined): string | undefined {
  const proxy = network?.proxy;
  if (!proxy) return undefined;
  const noProxy = Array.isArray(proxy.no_proxy) ? proxy.no_proxy.filter((host): host is string => typeof host === 'string') : [];
  const bypass = noProxy.some((host) => url.hostname === host || (host.startsWith('.') && url.hostname.endsWith(host)));
  if (bypass) return undefined;
  return stringField(proxy, 'url') ?? stringField(proxy, url.protocol === 'https:' ? 'https' : 'http');
}

/** What an upstream said went wrong, read from its error body. */
export interface UpstreamErrorDetail {
  message: string;
  type: string | null;
  code: string | null;
  param: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message of an upstream error body: OpenAI's envelope, vLLM's, Ollama's, FastAPI's, or the text. */
export function upstreamErrorMessage(text: string): UpstreamErrorDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text itself is the message
  }
  const error = isRecord(parsed) ? (parsed.error ?? parsed) : parsed;
  if (typeof error === 'string') return { message: error, type: null, code: null, param: null };
  if (isRecord(parsed)) {
    const fields = isRecord(error) ? error : {};
    const detail = parsed.detail;
    const message = fields.message ?? (typeof detail === 'string' ? detail : detail ? JSON.stringify(detail) : undefined);
    if (typeof message === 'string') {
      return {
        message,
        type: typeof fields.type === 'string' ? fields.type : null,
        code: fields.code === null || fields.code === undefined ? null : String(fields.code),
        param: typeof fields.param === 'string' ? fields.param : null,
      };
    }
  }
  const trimmed = text.trim();
  return { message: trimmed ? trimmed.slice(0, 500) : 'no error message', type: null, code: null, param: null };
}

function retryAfter(headers: Record<string, string | string[] | undefined>): number | null {
  const value = headers['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return seconds;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The tracer of the global provider now (a server may register a new one after another's shutdown). */
const tracer = () => trace.getTracer('@cria/provider-utils');

/** Ends an upstream call's span with the error it failed with. */
function endSpanWithError(span: Span, error: unknown): void {
  const failure = error as Error & { status?: number | null; kind?: string };
  if (typeof failure.status === 'number') span.setAttribute('http.response.status_code', failure.status);
  span.setAttribute('error.type', failure.kind ?? failure.name ?? 'Error');
  span.recordException({ name: failure.name, message: failure.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  span.end();
}

/** The most of a finished stream's tail read to keep its connection (past it, the connection is closed instead). */
const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * What can abort an upstream call: a request's context (`onAbort`, or its `signal`), or a signal.
 * A traced request's context also carries its trace context: the call is then a child span.
 */
export type AbortSource = Pick<RequestContext, 'signal'> & Partial<Pick<RequestContext, 'onAbort' | 'traceContext'>>;

/**
 * Calls `listener` once when `source` aborts (at once if it has); returns a function that stops
 * listening. A request's `onAbort` is used when it has one: it makes no AbortSignal.
 */
export function onRequestAbort(source: AbortSource | AbortSignal, listener: (reason: Error) => void): () => void {
  if (!(source instanceof AbortSignal) && source.onAbort) return source.onAbort(listener);
  const signal = source instanceof AbortSignal ? source : source.signal;
  const onAbort = () => listener(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/**
 * HTTP to one OpenAI-compatible upstream: a keep-alive undici pool (or a proxy agent), JSON in,
 * JSON or SSE out, and every transport failure turned into an UpstreamError or
 * UpstreamTimeoutError that names the provider.
 */
export class UpstreamClient {
  readonly origin: string;
  private readonly basePath: string;
  /** `server.address` and `server.port` of the upstream's spans. */
  private readonly server: { address: string; port: number };
  private readonly dispatcher: Dispatcher;
  private readonly timeouts: Timeouts;
  /**
   * The CLIENT span's name and `url.full` per method and path, made on first use: strings built
   * per call are new each time, which the span encoder then flattens and compares by content.
   */
  private readonly spanStrings = { GET: new Map<string, { name: string; url: string }>(), POST: new Map<string, { name: string; url: string }>() };

  constructor(private readonly settings: UpstreamClientSettings) {
    const url = new URL(settings.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.server = { address: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    this.timeouts = timeouts(settings.network);
    const connect = { timeout: this.timeouts.connectMs, ...tlsOptions(settings.network) };
    const proxy = proxyFor(url, settings.network);
    const common = { headersTimeout: this.timeouts.readMs, bodyTimeout: this.timeouts.readMs, keepAliveTimeout: 30_000 };
    this.dispatcher = proxy
      ? new ProxyAgent({ uri: proxy, requestTls: connect, ...common })
      : new Pool(this.origin, { connections: settings.maxConnections ?? 256, connect, ...common });
  }

  /** A URL of the upstream, for messages. */
  url(path: string): string {
    return `${this.origin}${this.basePath}${path}`;
  }

  async request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    try {
      const response = await this.dispatcher.request({ origin: this.origin, path: this.basePath + path, method, headers, body, signal });
      if (response.statusCode >= 400) throw await this.statusError(response);
      return response;
    } catch (error) {
      throw this.transportError(error, path);
    }
  }

  /**
   * A request whose whole answer is read into memory: dispatched with a plain handler rather
   * than a stream, since this is the hot path of non-streaming calls.
   */
  async json<T>(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, abort: AbortSource | undefined): Promise<T> {
    const parent = abort?.traceContext as Context | undefined;
    const span = parent === undefined ? undefined : this.startSpan(method, path, parent);
    let reply: BufferedReply;
    try {
      reply = await this.exchange(method, path, span ? this.withTraceContext(parent!, span, headers) : headers, body, abort, span);
    } catch (error) {
      const failure = this.transportError(error, path);
      if (span) endSpanWithError(span, failure);
      throw failure;
    }
    if (reply.statusCode >= 400) {
      const failure = this.replyError(reply.statusCode, reply.headers, reply.body);
      if (span) endSpanWithError(span, failure);
      throw failure;
    }
    span?.end();
    try {
      return JSON.parse(reply.body) as T;
    } catch {
      throw new UpstreamError(this.settings.provider, `${this.settings.provider} answered ${this.url(path)} with a body that is not JSON: ${reply.body.slice(0, 200)}`, { status: null });
    }
  }

  /** A CLIENT span for a call to the upstream (a child of the request's current span), with OpenTelemetry's HTTP attributes. */
  private startSpan(method: 'GET' | 'POST', path: string, parent: Context): Span {
    const known = this.spanStrings[method];
    let strings = known.get(path);
    if (!strings) {
      strings = { name: `${method} ${path}`, url: this.url(path) };
      // Paths are the providers' own (a handful); a bound all the same.
      if (known.size < 256) known.set(path, strings);
    }
    return tracer().startSpan(strings.name, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': this.server.address,
        'server.port': this.server.port,
        'url.full': strings.url,
        'cria.provider_id': this.settings.provider,
      },
    }, parent);
  }

  /** The headers with the span's W3C trace context (`traceparent`), so the upstream continues the trace. */
  private withTraceContext(parent: Context, span: Span, headers: Record<string, string>): Record<string, string> {
    // Object.assign, not a spread: adding `traceparent` to a spread copy costs ~1 µs more (V8 makes it exact-size).
    const sent = Object.assign({}, headers);
    propagation.inject(trace.setSpan(parent, span), sent);
    return sent;
  }

  private exchange(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, abort: AbortSource | undefined, span?: Span): Promise<BufferedReply> {
    const startedAt = span ? performance.now() : 0;
    return new Promise((resolve, reject) => {
      let statusCode = 0;
      let responseHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;
      let stopListening: (() => void) | undefined;
      const settle = () => stopListening?.();
      this.dispatcher.dispatch(
        { origin: this.origin, path: this.basePath + path, method, headers, body: body ?? null },
        {
          onRequestStart(controller) {
            if (abort) stopListening = onRequestAbort(abort, (reason) => controller.abort(reason));
          },
          onResponseStart(_controller, status, replyHeaders) {
            statusCode = status;
            responseHeaders = replyHeaders;
            if (span) {
              span.setAttribute('http.response.status_code', status);
              span.setAttribute('cria.upstream.time_to_first_byte_ms', performance.now() - startedAt);
            }
          },
          onResponseData(controller, chunk) {
            size += chunk.length;
            if (size > MAX_JSON_REPLY_BYTES) controller.abort(new Error(`the answer is larger than ${MAX_JSON_REPLY_BYTES / 1024 / 1024} MB`));
            else chunks.push(chunk);
          },
          onResponseEnd() {
            settle();
            resolve({ statusCode, headers: responseHeaders, body: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') });
          },
          onResponseError(_controller, error) {
            settle();
            reject(error);
          },
        },
      );
    });
  }

  /**
   * Posts a streaming request and yields each event's parsed JSON until `[DONE]`. The upstream
   * status is checked before the first event, so its errors surface as HTTP errors; an error
   * event or a broken connection later throws mid-stream.
   */
  async stream<T>(path: string, headers: Record<string, string>, body: string, abort: AbortSource | undefined, isFinal: (event: T) => boolean): Promise<AsyncIterable<T>> {
    const parent = abort?.traceContext as Context | undefined;
    const span = parent === undefined ? undefined : this.startSpan('POST', path, parent);
    const startedAt = span ? performance.now() : 0;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.request('POST', path, span ? this.withTraceContext(parent!, span, headers) : headers, body, abort?.signal);
    } catch (error) {
      if (span) endSpanWithError(span, error);
      throw error;
    }
    if (span) {
      span.setAttribute('http.response.status_code', response.statusCode);
      span.setAttribute('cria.upstream.time_to_first_byte_ms', performance.now() - startedAt);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.includes('application/json')) {
      // Some servers answer a streaming request with a plain JSON error.
      const text = await response.body.text().catch(() => '');
      const detail = upstreamErrorMessage(text);
      const failure = new UpstreamError(this.settings.provider, `${this.settings.provider} did not stream: ${detail.message}`, { status: null });
      if (span) endSpanWithError(span, failure);
      throw failure;
    }
    return this.events<T>(response, path, isFinal, span);
  }

  private async *events<T>(response: Dispatcher.ResponseData, path: string, isFinal: (event: T) => boolean, span: Span | undefined): AsyncGenerator<T> {
    let finished = false;
    let done = false;
    let failed = false;
    try {
      // Not destroyed when the loop ends early (at [DONE]): destroying an unfinished stream costs an
      // AbortError with its stack, and the finally below drains or destroys the body anyway.
      for await (const data of parseSse(response.body.iterator({ destroyOnReturn: false }))) {
        if (data === '[DONE]') {
          done = true;
          break;
        }
        let event: T & { error?: unknown };
        try {
          event = JSON.parse(data) as T & { error?: unknown };
        } catch {
          throw new UpstreamError(this.settings.provider, `${this.settings.provider} sent a malformed stream event: ${data.slice(0, 200)}`, { status: null });
        }
        if (event.error) {
          const detail = upstreamErrorMessage(JSON.stringify(event));
          throw new UpstreamError(this.settings.provider, `${this.settings.provider} failed mid-stream: ${detail.message}`, { status: null, type: detail.type, code: detail.code });
        }
        if (isFinal(event)) finished = true;
        yield event as T;
      }
    } catch (error) {
      failed = true;
      const failure = this.transportError(error, path);
      if (span) endSpanWithError(span, failure);
      throw failure;
    } finally {
      if (span && !failed) span.end();
      // After [DONE] the answer ends: read its last bytes so the connection goes back to the pool
      // (a destroyed body takes its connection with it). A consumer that stopped early (the
      // client went away) aborts the rest.
      if (!response.body.destroyed) {
        if (done || finished) await response.body.dump({ limit: DRAIN_LIMIT_BYTES }).catch(() => undefined);
        else response.body.on('error', () => undefined).destroy(); // the abort it reports is this one
      }
    }
    if (!done && !finished) {
      throw new UpstreamError(this.settings.provider, `the stream from ${this.settings.provider} ended before the completion finished`, { status: null });
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async statusError(response: Dispatcher.ResponseData): Promise<UpstreamError> {
    return this.replyError(response.statusCode, response.headers, await response.body.text().catch(() => ''));
  }

  private replyError(status: number, headers: IncomingHttpHeaders, text: string): UpstreamError {
    const detail = upstreamErrorMessage(text);
    return new UpstreamError(this.settings.provider, detail.message, {
      status,
      retryAfterSeconds: retryAfter(headers),
      type: detail.type,
      code: detail.code,
      param: detail.param,
    });
  }

  private transportError(error: unknown, path: string): unknown {
    if (isCriaError(error)) return error;
    const failure = error as Error & { code?: string; cause?: { code?: string } };
    if (failure.name === 'AbortError' || failure.code === 'UND_ERR_ABORTED') return error;
    const provider = this.settings.provider;
    const target = this.url(path);
    const code = failure.code ?? failure.cause?.code;
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new UpstreamTimeoutError(provider, `could not connect to ${provider} at ${target} within ${this.timeouts.connectMs / 1000} s`, { cause: error });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new UpstreamTimeoutError(provider, `${provider} did not answer ${target} within ${this.timeouts.readMs / 1000} s`, { cause: error });
      case 'UND_ERR_BODY_TIMEOUT':
        return new UpstreamTimeoutError(provider, `${provider} stopped sending for ${this.timeouts.readMs / 1000} s`, { cause: error });
      case 'ECONNREFUSED':
        return new UpstreamError(provider, `could not connect to ${provider} at ${target}: connection refused`, { cause: error });
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new UpstreamError(provider, `could not resolve the host of ${target}`, { cause: error });
      case 'UND_ERR_SOCKET':
      case 'ECONNRESET':
      case 'EPIPE':
        return new UpstreamError(provider, `${provider} closed the connection (${target})`, { cause: error });
      default:
        return new UpstreamError(provider, `request to ${provider} failed (${target}): ${failure.message}`, { cause: error });
    }
  }
}
