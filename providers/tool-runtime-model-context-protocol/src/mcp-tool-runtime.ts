import { createRequire } from 'node:module';
import {
  AuthenticationError,
  InvalidRequestError,
  type CriaError,
  isCriaError,
  type OutboundUrlGuard,
  type ProviderContext,
  type ProviderLogger,
  type RequestContext,
  type ToolDef,
  type ToolGroupResource,
  type ToolInvocationResult,
  type ToolRuntimeProvider,
  type ToolSource,
  UnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
} from '@cria/api';
import { type Context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { McpToolRuntimeConfig } from './mcp-config.js';
import { toToolContent } from './mcp-content.js';
import { mcpHeadersFor } from './mcp-headers.js';

const PROVIDER = 'remote::model-context-protocol';
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** How long ending a Streamable HTTP session (its DELETE) may take when a session is dropped. */
const SESSION_END_TIMEOUT_MS = 1000;

/** The two ways an MCP server is spoken to over HTTP, in the order tried by default. */
type McpTransport = 'streamable_http' | 'sse';

/** One open session with an MCP server, for one set of headers. */
interface McpSession {
  key: string;
  url: string;
  transport: McpTransport;
  client: Client;
  /** Set for Streamable HTTP: ended with a DELETE when the session is dropped, so the server lets go of it too. */
  http: StreamableHTTPClientTransport | null;
  /** The server's tools, until it says they changed (`notifications/tools/list_changed`). */
  tools: Promise<ToolDef[]> | null;
}

/** Error codes of a connection that never reached the server. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The causes of an error (fetch wraps them in `TypeError: fetch failed`, the SSE transport in an event), itself first. */
function* causesOf(error: unknown): Generator<unknown> {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause ?? (current as { event?: { error?: unknown } }).event?.error;
  }
}

/** A Cria error among an error's causes: the outbound guard's refusal of a connection. */
function criaErrorIn(error: unknown): CriaError | null {
  for (const cause of causesOf(error)) if (isCriaError(cause)) return cause;
  return null;
}

/** The system error code somewhere in an error's causes (fetch wraps it in `TypeError: fetch failed`). */
function systemCode(error: unknown): string | null {
  for (const cause of causesOf(error)) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function unreachable(error: unknown): boolean {
  const code = systemCode(error);
  if (code && UNREACHABLE_CODES.has(code)) return true;
  // The SSE transport reports a failed connection as an event whose message is fetch's.
  return error instanceof SseError && error.code === undefined && /fetch failed|ECONNREFUSED|ENOTFOUND/.test(error.message);
}

/** The HTTP status an MCP server answered with, when the error is one. */
function httpStatus(error: unknown): number | null {
  if ((error instanceof StreamableHTTPError || error instanceof SseError) && typeof error.code === 'number' && error.code >= 100) return error.code;
  const match = error instanceof Error ? /\(HTTP (\d{3})\)/.exec(error.message) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Tools of Model Context Protocol servers with the official SDK's client. A session is opened per
 * server URL and header set (Streamable HTTP first, SSE when the server only speaks SSE; the one
 * that worked is tried first next time) and kept open, so listings are cached until the server
 * sends `notifications/tools/list_changed`. Headers come from `mcp_headers` in
 * X-LlamaStack-Provider-Data, keyed by server URL, and `authorization` becomes a Bearer token.
 * Every server URL goes through the distribution's outbound guard (`server.outbound`): checked
 * before a session opens, and each connection made with the guard's fetch.
 */
export class McpToolRuntime implements ToolRuntimeProvider {
  /** Open sessions (or being opened), least recently used first. */
  private readonly sessions = new Map<string, Promise<McpSession>>();
  /** The transport that last worked for a URL. */
  private readonly transports = new Map<string, McpTransport>();
  private closed = false;

  constructor(
    private readonly config: McpToolRuntimeConfig,
    private readonly logger: ProviderLogger,
    private readonly outbound: OutboundUrlGuard,
  ) {}

  static create(config: McpToolRuntimeConfig, context: ProviderContext): McpToolRuntime {
    return new McpToolRuntime(config, context.logger, context.outbound);
  }

  /**
   * The provider has no server of its own: each tool group names one, reached when it is used (a
   * server that is down is a clear error then). It reports the sessions it holds open.
   */
  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    if (this.closed) return { status: 'Error', message: 'shut down' };
    return { status: 'OK', message: `${this.sessions.size} MCP session(s) open; servers are reached when their tool groups are used` };
  }

  /** The URL and its host are checked now; its addresses when it is used (the name may not resolve yet). */
  async registerToolGroup(group: ToolGroupResource): Promise<void> {
    const uri = group.mcp_endpoint?.uri;
    if (!uri) throw new InvalidRequestError('An MCP endpoint is required: register the tool group with mcp_endpoint: {uri: "http://host/mcp"}.', { param: 'mcp_endpoint' });
    await this.outbound.check(uri, 'mcp_endpoint.uri', { resolve: false });
  }

  async unregisterToolGroup(group: ToolGroupResource): Promise<void> {
    const url = group.mcp_endpoint?.uri;
    if (!url) return;
    // Another group naming the same server opens a session again when it is used.
    await Promise.all([...this.sessions.keys()].filter((key) => key.startsWith(`${url}\n`)).map((key) => this.drop(key)));
  }

  async listRuntimeTools(source: ToolSource, context: RequestContext): Promise<ToolDef[]> {
    const { url, param } = await this.endpointOf(source);
    return this.withSession(url, param, source, context, async (session) => {
      session.tools ??= this.fetchTools(session, context.traceContext as Context | undefined).catch((error: unknown) => {
        session.tools = null;
        throw error;
      });
      // A copy each time: callers set toolgroup_id on what they get.
      return (await session.tools).map((tool) => ({ ...tool, metadata: { ...tool.metadata } }));
    });
  }

  async invokeTool(source: ToolSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult> {
    const { url, param } = await this.endpointOf(source);
    return this.withSession(url, param, source, context, async (session) => {
      // Traced only inside a traced request.
      const span = context.traceContext === undefined ? undefined : mcpSpan('tools/call', session, context.traceContext as Context, { 'gen_ai.tool.name': toolName });
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await session.client.callTool({ name: toolName, arguments: kwargs }, undefined, { timeout: this.config.call_timeout_seconds * 1000, signal: context.signal });
      } catch (error) {
        if (span) endMcpSpan(span, error);
        throw error;
      }
      if (span) {
        if (result.isError === true) span.setAttribute('error.type', 'tool_error');
        span.end();
      }
      const content = toToolContent(result.content as unknown[], (type) => (context.logger ?? this.logger).warn('MCP content type not supported; left out of the result', { type, tool: toolName, mcp_endpoint: url }));
      const failed = result.isError === true;
      const message = failed ? content.filter((item) => item.type === 'text').map((item) => (item as { text: string }).text).join('\n') : '';
      return { content, error_code: failed ? 1 : 0, error_message: failed ? message || `Tool '${toolName}' failed.` : null, metadata: null };
    });
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.keys()].map((key) => this.drop(key)));
  }

  /** The source's server URL, parsed and its host checked; `param` is the request field it came from. */
  private async endpointOf(source: ToolSource): Promise<{ url: URL; param: string }> {
    const param = source.urlParam ?? 'mcp_endpoint';
    if (!source.mcpEndpoint) throw new InvalidRequestError('An MCP endpoint is required: register the tool group with mcp_endpoint: {uri: "http://host/mcp"}.', { param });
    return { url: await this.outbound.check(source.mcpEndpoint, param, { resolve: false }), param };
  }

  /**
   * Runs `use` on the session for the URL and headers. A session the server no longer knows
   * (404 after a restart) is opened again once; any other failure closes it, so the next request
   * starts afresh.
   */
  private async withSession<T>(url: URL, param: string, source: ToolSource, context: RequestContext, use: (session: McpSession) => Promise<T>): Promise<T> {
    if (this.closed) throw new UnavailableError('The MCP tool runtime is shutting down.');
    const headers = mcpHeadersFor(url.href, context.providerData, source.authorization ?? null);
    const key = `${url.href}\n${JSON.stringify(Object.entries(headers).sort())}`;
    for (let attempt = 0; ; attempt++) {
      const reused = this.sessions.has(key);
      // An open session's connections were checked when made (and new ones are, by the guard's fetch).
      if (!reused) await this.outbound.check(url.href, param);
      const session = await this.session(key, url, headers, param);
      try {
        return await use(session);
      } catch (error) {
        // A client that went away leaves the session to the others.
        if (context.signal.aborted) throw error;
        if (!(error instanceof McpError) || error.code === ErrorCode.ConnectionClosed) await this.drop(key);
        if (reused && attempt === 0 && httpStatus(error) === 404) continue;
        throw this.explain(error, url.href, 'call');
      }
    }
  }

  /** The open session for `key`, most recently used last; opens one when there is none. */
  private async session(key: string, url: URL, headers: Record<string, string>, param: string): Promise<McpSession> {
    let opening = this.sessions.get(key);
    if (opening) {
      this.sessions.delete(key);
    } else {
      opening = this.open(key, url, headers, param);
      // A failed opening is not kept: the next request tries again.
      opening.catch(() => {
        if (this.sessions.get(key) === opening) this.sessions.delete(key);
      });
    }
    this.sessions.set(key, opening);
    while (this.sessions.size > this.config.max_sessions) void this.drop(this.sessions.keys().next().value!);
    return opening;
  }

  private async open(key: string, url: URL, headers: Record<string, string>, param: string): Promise<McpSession> {
    const order: McpTransport[] = this.transports.get(url.href) === 'sse' ? ['sse', 'streamable_http'] : ['streamable_http', 'sse'];
    // Every connection of the session (the SSE stream's, each POST's, redirects) is checked as it is made.
    const fetch = this.outbound.fetchFor(param);
    let failure: unknown;
    for (const transport of order) {
      const client = new Client({ name: 'cria', version });
      // Both transports send requestInit's headers on every request, the SSE stream's GET included.
      const requestInit = { headers };
      const http = transport === 'streamable_http' ? new StreamableHTTPClientTransport(url, { requestInit, fetch }) : null;
      const session: McpSession = { key, url: url.href, transport, client, http, tools: null };
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        this.logger.debug('MCP server changed its tools; listing them again on next use', { mcp_endpoint: url.href });
        session.tools = null;
      });
      client.onclose = () => {
        session.tools = null;
      };
      const timeoutMs = this.config.connect_timeout_seconds * 1000;
      let timer: NodeJS.Timeout | undefined;
      // The SDK times the initialize request, not the SSE stream's opening: one deadline for both.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new McpError(ErrorCode.RequestTimeout, `no session in ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        // Not the request's signal: other requests may wait on this session (the deadline bounds it).
        await Promise.race([client.connect(http ?? new SSEClientTransport(url, { requestInit, fetch }), { timeout: timeoutMs }), deadline]);
        this.transports.set(url.href, transport);
        return session;
      } catch (error) {
        await client.close().catch(() => undefined);
        failure = error;
        // Neither transport reaches a server that is down, too slow, or refusing the credentials.
        const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
        if (timedOut || criaErrorIn(error) || unreachable(error) || httpStatus(error) === 401 || httpStatus(error) === 403) break;
        this.logger.debug('MCP transport failed; trying the other', { mcp_endpoint: url.href, transport, error: (error as Error).message });
      } finally {
        clearTimeout(timer);
      }
    }
    throw this.explain(failure, url.href, 'connect');
  }

  /**
   * Not tied to the request that asked first: other requests share the listing (the call timeout
   * bounds it). Its spans are in that request's trace, when it is traced.
   */
  private async fetchTools(session: McpSession, traceContext: Context | undefined): Promise<ToolDef[]> {
    const tools: ToolDef[] = [];
    let cursor: string | undefined;
    do {
      const span = traceContext === undefined ? undefined : mcpSpan('tools/list', session, traceContext, {});
      let page: Awaited<ReturnType<Client['listTools']>>;
      try {
        page = await session.client.listTools(cursor ? { cursor } : undefined, { timeout: this.config.call_timeout_seconds * 1000 });
      } catch (error) {
        if (span) endMcpSpan(span, error);
        throw error;
      }
      span?.end();
      for (const tool of page.tools) {
        tools.push({
          name: tool.name,
          description: tool.description ?? null,
          input_schema: tool.inputSchema as Record<string, unknown>,
          output_schema: (tool.outputSchema as Record<string, unknown> | undefined) ?? null,
          metadata: { endpoint: session.url },
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  private async drop(key: string): Promise<void> {
    const opening = this.sessions.get(key);
    this.sessions.delete(key);
    const session = await opening?.catch(() => null);
    if (!session) return;
    if (session.http?.sessionId) {
      // A server that does not answer the DELETE soon does not hold up shutdown.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, SESSION_END_TIMEOUT_MS)));
      await Promise.race([session.http.terminateSession().catch(() => undefined), deadline]);
      clearTimeout(timer);
    }
    await session.client.close().catch(() => undefined);
  }

  /** A failure of an MCP server as a Cria error naming the server. */
  private explain(error: unknown, url: string, stage: 'connect' | 'call'): Error {
    const cria = criaErrorIn(error);
    if (cria) return cria;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      const seconds = stage === 'connect' ? this.config.connect_timeout_seconds : this.config.call_timeout_seconds;
      return new UpstreamTimeoutError(PROVIDER, `The MCP server at ${url} did not answer in ${seconds} s.`, { cause: error });
    }
    if (unreachable(error)) {
      return new UnavailableError(`Could not connect to the MCP server at ${url}: ${systemCode(error) ?? message}.`, { code: 'mcp_server_unavailable', cause: error });
    }
    const status = httpStatus(error);
    if (status === 401 || status === 403) {
      return new AuthenticationError(`The MCP server at ${url} refused the request (HTTP ${status}); send credentials with \`authorization\` or mcp_headers in X-LlamaStack-Provider-Data.`, { code: 'mcp_authentication_required', cause: error });
    }
    if (error instanceof McpError) {
      return new UpstreamError(PROVIDER, `The MCP server at ${url} answered with an error: ${message}`, { code: 'mcp_server_error', cause: error });
    }
    return new UpstreamError(PROVIDER, `The MCP server at ${url} failed${status ? ` (HTTP ${status})` : ''}: ${message}`, { code: 'mcp_server_error', cause: error });
  }
}

/** The tracer of the global provider now (a server may register a new one after another's shutdown). */
const tracer = () => trace.getTracer('@cria/provider-tool-runtime-model-context-protocol');

/** A CLIENT span for one MCP request, a child of the request's current span (OpenTelemetry's MCP attributes); the URL without its query, which may carry credentials. */
function mcpSpan(method: string, session: McpSession, parent: Context, attributes: Record<string, string>): Span {
  const url = new URL(session.url);
  return tracer().startSpan(`${method}${attributes['gen_ai.tool.name'] ? ` ${attributes['gen_ai.tool.name']}` : ''}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'mcp.method.name': method, 'server.address': url.hostname, 'url.full': `${url.origin}${url.pathname}`, 'network.transport': 'tcp', 'cria.mcp.transport': session.transport, ...attributes },
  }, parent);
}

function endMcpSpan(span: Span, error: unknown): void {
  const failure = error as Error;
  span.setAttribute('error.type', failure.name ?? 'Error');
  span.recordException({ name: failure.name, message: failure.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  span.end();
}
