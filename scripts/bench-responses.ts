/**
 * `pnpm bench responses`: the server time one Responses turn adds over the chat completion
 * under it, and what a loop of 3 MCP tool calls adds beyond model and tool time.
 *
 * A scripted OpenAI-compatible upstream and an MCP server (the official SDK's, stateless
 * Streamable HTTP, one `noop` tool) run in this process on loopback; Cria runs in a child process
 * with a distribution naming them. At one request at a time it measures:
 * - the chat completion straight to the upstream, through Cria's /v1/chat/completions, and the
 *   same input through /v1/responses (JSON, and streamed to the last byte);
 * - a response whose model calls `noop` 3 times before answering, against the sum of 4 direct
 *   upstream calls and 3 direct MCP tool calls (the SDK client, one session).
 *
 * The paths take turns, one request each per round, so drift falls on all of them alike.
 *
 * Options: --requests <n> (timed requests per path, default 300), --warmup <n> (default 50).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type BenchPath, post, readBody, startResponsesCria, startUpstream, timeInTurns, TOOL_CALLS } from './responses-bench-harness.js';
const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, warmup: { type: 'string', default: '50' } } });
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);

async function startMcp(): Promise<{ url: string; close(): Promise<void> }> {
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
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const upstream = await startUpstream();
const mcp = await startMcp();
const cria = await startResponsesCria(upstream.url, {
  providers: `  tool_runtime:
    - { provider_id: model-context-protocol, provider_type: remote::model-context-protocol }`,
});
const input = 'What is the capital of France?';
const chat = { model: 'bench-llm', messages: [{ role: 'user', content: input }] };
const mcpTool = { type: 'mcp', server_label: 'bench', server_url: mcp.url, require_approval: 'never' };

try {
  const tools = [{ type: 'function', function: { name: 'noop', description: 'Does nothing.', parameters: { type: 'object', properties: {} } } }];
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url)));
  const paths: BenchPath[] = [
    { name: 'chat completion, direct to the upstream', run: () => post(`${upstream.url}/chat/completions`, chat) },
    { name: 'chat completion through Cria', run: () => post(`${cria.url}/v1/chat/completions`, chat) },
    { name: 'response through Cria (store: true)', run: () => post(`${cria.url}/v1/responses`, { model: 'bench-llm', input }) },
    { name: 'response through Cria (store: false)', run: () => post(`${cria.url}/v1/responses`, { model: 'bench-llm', input, store: false }) },
    { name: 'chat completion through Cria, streamed', run: () => post(`${cria.url}/v1/chat/completions`, { ...chat, stream: true }) },
    { name: 'response through Cria, streamed', run: () => post(`${cria.url}/v1/responses`, { model: 'bench-llm', input, stream: true }) },
    { name: 'chat completion with tools, direct', run: () => post(`${upstream.url}/chat/completions`, { ...chat, tools, stream: true }) },
    { name: 'MCP tool call, direct (SDK client)', run: async () => void (await client.callTool({ name: 'noop', arguments: {} })) },
    { name: `response with ${TOOL_CALLS} MCP tool calls through Cria`, run: () => post(`${cria.url}/v1/responses`, { model: 'bench-llm', input, tools: [mcpTool] }) },
  ];
  const results = await timeInTurns(paths, { requests: REQUESTS, warmup: WARMUP });
  await client.close();
  const rows = [...results.entries()];
  const at = (index: number) => results.get(paths[index]!.name)!;
  const direct = at(0);
  const viaChat = at(1);
  const viaResponses = at(2);
  const viaResponsesNoStore = at(3);
  const streamChat = at(4);
  const streamResponses = at(5);
  const directToolTurn = at(6);
  const directTool = at(7);
  const loop = at(8);
  console.log(`\n${REQUESTS} requests per path, one at a time, the paths taking turns, after ${WARMUP} warm-up requests each\n`);
  console.log('| path | p50 ms | p99 ms |\n| --- | --- | --- |');
  for (const [name, result] of rows) console.log(`| ${name} | ${result.p50.toFixed(3)} | ${result.p99.toFixed(3)} |`);
  const modelAndTools = (TOOL_CALLS + 1) * directToolTurn.p50 + TOOL_CALLS * directTool.p50;
  console.log('\n| added by the Responses API | p50 ms | target |\n| --- | --- | --- |');
  console.log(`| one turn over the chat completion under it (JSON, stored) | ${(viaResponses.p50 - viaChat.p50).toFixed(3)} | ≤ 1 |`);
  console.log(`| one turn over the chat completion under it (JSON, store: false) | ${(viaResponsesNoStore.p50 - viaChat.p50).toFixed(3)} | ≤ 1 |`);
  console.log(`| one turn over the chat completion under it (streamed) | ${(streamResponses.p50 - streamChat.p50).toFixed(3)} | ≤ 1 |`);
  console.log(`| one turn over the upstream directly (JSON) | ${(viaResponses.p50 - direct.p50).toFixed(3)} | |`);
  console.log(`| a loop of ${TOOL_CALLS} MCP tool calls beyond model and tool time | ${(loop.p50 - modelAndTools).toFixed(3)} | ≤ 3 |`);
} finally {
  await cria.close();
  await upstream.close();
  await mcp.close();
}
