import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** A 1x1 PNG, base64. */
export const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export interface McpTestServerOptions {
  /** `streamable_http` serves /mcp; `sse` serves only the SSE transport (GET /sse, POST /messages). */
  transport: 'streamable_http' | 'sse';
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  /** Milliseconds the `slow` tool waits before answering. */
  slowMs?: number;
}

export interface McpTestServer {
  /** The URL to register as mcp_endpoint. */
  url: string;
  /** The headers of every HTTP request the server received. */
  requests: IncomingHttpHeaders[];
  /** The sessions the server holds open now. */
  openSessions(): number;
  /** Forgets every session, as a restarted server would: their next request gets 404. */
  forgetSessions(): Promise<void>;
  /** Adds a tool to every session (each sends `notifications/tools/list_changed`) and to sessions to come. */
  addTool(name: string, reply: string): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

/**
 * A real MCP server (the SDK's McpServer) on 127.0.0.1 for tests, with the tools `add`, `echo`
 * (which answers with the `x-test` header it saw), `fail` (a tool error), `picture` (an image),
 * `link` (text and a resource link, which Cria leaves out) and `slow`; one McpServer per session, as the SDK's examples do.
 */
export async function startMcpTestServer(options: McpTestServerOptions): Promise<McpTestServer> {
  const requests: IncomingHttpHeaders[] = [];
  const servers = new Set<McpServer>();
  const transports = new Map<string, Transport>();
  const added: [string, string][] = [];

  function mcpServer(): McpServer {
    const server = new McpServer({ name: 'cria-test', version: '1.0.0' });
    server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
    server.registerTool('echo', { description: 'Echoes its text and the x-test header.', inputSchema: { text: z.string() } }, async ({ text }, extra) => ({
      content: [{ type: 'text', text }, { type: 'text', text: `x-test: ${String(extra.requestInfo?.headers['x-test'] ?? '')}` }],
    }));
    server.registerTool('fail', { description: 'Always reports an error.', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true }));
    server.registerTool('picture', { description: 'A one-pixel image.', inputSchema: {} }, async () => ({ content: [{ type: 'image', data: PIXEL_PNG, mimeType: 'image/png' }] }));
    server.registerTool('link', { description: 'Text and a resource link.', inputSchema: {} }, async () => ({
      content: [{ type: 'text', text: 'see the notes' }, { type: 'resource_link', uri: 'file:///notes.txt', name: 'notes.txt' }],
    }));
    server.registerTool('slow', { description: 'Answers late.', inputSchema: {} }, async () => {
      await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 2000));
      return { content: [{ type: 'text', text: 'late' }] };
    });
    for (const [name, reply] of added) register(server, name, reply);
    servers.add(server);
    return server;
  }

  function register(server: McpServer, name: string, reply: string): void {
    server.registerTool(name, { description: `Added at run time: answers ${reply}.`, inputSchema: {} }, async () => ({ content: [{ type: 'text', text: reply }] }));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    requests.push(request.headers);
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (options.transport === 'sse') {
      if (request.method === 'GET' && path === '/sse') {
        const transport = new SSEServerTransport('/messages', response);
        transports.set(transport.sessionId, transport);
        transport.onclose = () => transports.delete(transport.sessionId);
        await mcpServer().connect(transport);
        return;
      }
      if (request.method === 'POST' && path === '/messages') {
        const transport = transports.get(new URL(request.url!, 'http://127.0.0.1').searchParams.get('sessionId') ?? '');
        if (!(transport instanceof SSEServerTransport)) {
          response.writeHead(404).end('unknown session');
          return;
        }
        await transport.handlePostMessage(request, response);
        return;
      }
      response.writeHead(path === '/sse' ? 405 : 404).end();
      return;
    }
    if (path !== '/mcp') {
      response.writeHead(404).end();
      return;
    }
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = transports.get(sessionId);
      if (!(transport instanceof StreamableHTTPServerTransport)) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      await transport.handleRequest(request, response);
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const body = await readJson(request);
    if (!isInitializeRequest(body)) {
      response.writeHead(400).end('initialize first');
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await mcpServer().connect(transport);
    await transport.handleRequest(request, response, body);
  }

  const http: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.transport === 'sse' ? '/sse' : '/mcp'}`,
    requests,
    openSessions: () => transports.size,
    async forgetSessions() {
      await Promise.all([...transports.values()].map((transport) => transport.close()));
      transports.clear();
    },
    addTool(name, reply) {
      added.push([name, reply]);
      for (const server of servers) register(server, name, reply);
    },
    async close() {
      await Promise.all([...servers].map((server) => server.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** An HTTP server on 127.0.0.1 that accepts requests and never answers them. */
export async function startSilentServer(): Promise<{ url: string; methods: string[]; close(): Promise<void> }> {
  const methods: string[] = [];
  const http = createServer((request) => void methods.push(request.method!));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    methods,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
