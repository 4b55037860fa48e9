import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwilixContainer } from 'awilix/browser';
import { InvalidRequestError, type ProviderLogger, type RequestContext, type RouteDefinition, type TraceContext } from '@cria/api';
import { namedLogger, type Stack, type StackCradle, traceLogFields } from '@cria/core';

const PROVIDER_DATA_HEADER = 'x-llamastack-provider-data';

function parseProviderData(header: string | string[] | undefined): RequestContext['providerData'] {
  if (header === undefined) return null;
  const text = Array.isArray(header) ? header[0]! : header;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return Object.fromEntries(Object.entries(parsed));
  } catch {
    // reported below
  }
  throw new InvalidRequestError('The X-LlamaStack-Provider-Data header must be a JSON object.', { param: 'X-LlamaStack-Provider-Data' });
}

/**
 * What a handler and the providers learn about a request. The abort signal is made on first use
 * (an AbortController costs more than a small request's JSON work); it fires when the client goes
 * away before the answer is complete.
 */
export class HttpRequestContext implements RequestContext {
  readonly providerData: RequestContext['providerData'];
  traceContext: TraceContext | undefined;
  private controller: AbortController | undefined;
  private listeners: ((reason: Error) => void)[] | undefined;
  private abortReason: Error | undefined;

  constructor(
    providerDataHeader: string | string[] | undefined,
    traceContext: TraceContext | undefined,
    private readonly request: ServerRequest,
  ) {
    this.providerData = parseProviderData(providerDataHeader);
    this.traceContext = traceContext;
  }

  get logger(): ProviderLogger {
    return this.request.logger;
  }

  /** The client went away before the response was complete: aborts what the request started. */
  clientGone(reason: Error): void {
    this.abortReason = reason;
    this.controller?.abort(reason);
    for (const listener of this.listeners?.splice(0) ?? []) listener(reason);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  onAbort(listener: (reason: Error) => void): () => void {
    if (this.abortReason) {
      listener(this.abortReason);
      return () => undefined;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index !== -1) this.listeners!.splice(index, 1);
    };
  }
}

/**
 * One request as the pipeline and its hooks see it. Hooks read the route, the parsed body and
 * query, and may keep their own data in `state`; `reply` ends the request early (a CORS
 * preflight, a refused credential).
 */
export class ServerRequest {
  readonly method: string;
  /** The path without the query string, with Llama Stack's `/v1/openai/v1/` prefix folded into `/v1/`. */
  readonly path: string;
  readonly rawQuery: string;
  route: RouteDefinition | null = null;
  params: Readonly<Record<string, string>> = {};
  query: unknown = {};
  body: unknown = undefined;
  /** The status sent (or about to be). */
  statusCode = 200;
  /** The error the request failed with, for onError and onResponse hooks. */
  error: unknown = undefined;
  /** Discards the rest of an upload the request failed before reading (set on upload routes). */
  abandonUpload: (() => void) | null = null;
  /** Free room for hooks (a span, a principal). */
  readonly state: Record<string, unknown> = {};
  private requestContext: HttpRequestContext | undefined;
  private requestTrace: TraceContext | undefined;
  /** Why the request was aborted, when the client went away before its context was made. */
  private goneReason: Error | undefined;
  private requestScope: AwilixContainer<StackCradle> | undefined;

  constructor(
    readonly raw: IncomingMessage,
    readonly res: ServerResponse,
    private readonly stack: Stack,
    private readonly serverLogger: ProviderLogger,
  ) {
    this.method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    this.path = path.startsWith(OPENAI_PREFIX) ? `/v1/${path.slice(OPENAI_PREFIX.length)}` : path;
    this.rawQuery = mark === -1 ? '' : url.slice(mark + 1);
  }

  get headers(): IncomingMessage['headers'] {
    return this.raw.headers;
  }

  /** The OpenTelemetry context of the request's span (a tracing hook sets it); its context carries it on. */
  get traceContext(): TraceContext | undefined {
    return this.requestTrace;
  }

  set traceContext(traceContext: TraceContext | undefined) {
    this.requestTrace = traceContext;
    if (this.requestContext) this.requestContext.traceContext = traceContext;
  }

  /**
   * The server's logger with the request's id (a hook's `requestId`) and, when traced, its trace
   * and span ids on every line; made when a line is written, after the hooks have set them.
   */
  get logger(): ProviderLogger {
    const requestId = this.state.requestId;
    const traceFields = traceLogFields(this.requestTrace);
    if (typeof requestId !== 'string') return traceFields ? namedLogger(this.serverLogger, traceFields) : this.serverLogger;
    return namedLogger(this.serverLogger, traceFields ? { request_id: requestId, ...traceFields } : { request_id: requestId });
  }

  /** The request's context for handlers and providers (parses X-LlamaStack-Provider-Data on first use). */
  get context(): HttpRequestContext {
    if (!this.requestContext) {
      this.requestContext = new HttpRequestContext(this.raw.headers[PROVIDER_DATA_HEADER], this.requestTrace, this);
      if (this.goneReason) this.requestContext.clientGone(this.goneReason);
    }
    return this.requestContext;
  }

  /** The response's 'close' (the pipeline's one listener): if it came before the response was complete, the client went away. */
  closed(): void {
    if (this.res.writableFinished) return;
    this.goneReason = new DOMException('The client closed the connection before the response was complete.', 'AbortError');
    this.requestContext?.clientGone(this.goneReason);
  }

  /**
   * The request's scope of the stack's container (made on first use): it resolves what the stack
   * does, and `requestContext`; a hook may register more for the request (a principal, a span).
   */
  get scope(): AwilixContainer<StackCradle> {
    return (this.requestScope ??= this.stack.scope(this.context));
  }

  /** Whether a hook (or the handler) has answered already. */
  get replied(): boolean {
    return this.res.headersSent || this.res.writableEnded;
  }

  /**
   * Headers hooks set for the response (`x-request-id`). A JSON reply writes them with its own in
   * one `writeHead`: a header set on the response beforehand sends Node down its slower path.
   */
  hookHeaders: Record<string, string> | null = null;

  /** Sets a header of the response before it starts (a hook's `x-request-id`). */
  setHeader(name: string, value: string): void {
    if (!this.res.headersSent) (this.hookHeaders ??= {})[name] = value;
  }

  /** Puts the hook headers on the response, for the replies that are not written as one JSON body. */
  applyHookHeaders(): void {
    if (!this.hookHeaders || this.res.headersSent) return;
    for (const name in this.hookHeaders) this.res.setHeader(name, this.hookHeaders[name]!);
  }

  /** Answers now, ending the pipeline: a hook's early reply. */
  reply(status: number, headers: Record<string, string> = {}, body?: string): void {
    this.statusCode = status;
    this.applyHookHeaders();
    this.res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
    this.res.end(body);
  }
}

/** The historical prefix of Llama Stack's OpenAI routes; it serves the same handlers. */
export const OPENAI_PREFIX = '/v1/openai/v1/';
