/**
 * The servers `pnpm bench responses` talks to, in a process of their own as a model server and
 * an MCP server would be: the scripted OpenAI-compatible upstream, and the official SDK's MCP
 * server (stateless Streamable HTTP, one `noop` tool). Prints `upstream <url> mcp <url>` when ready.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { readBody, startUpstream } from './responses-bench-harness.js';

async function startMcp(): Promise<string> {
  const server = createServer((req, res) => {
    void (async () => {
      const mcp = new McpServer({ name: 'bench', version: '1.0.0' });
      mcp.registerTool('noop', { description: 'Does nothing.', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => void transport.close().then(() => mcp.close()));
      await mcp.connect(transport);
      await transport.handleRequest(req, res, req.method === 'POST' ? await readBody(req) : undefined);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const upstream = await startUpstream();
console.log(`upstream ${upstream.url} mcp ${await startMcp()}`);
