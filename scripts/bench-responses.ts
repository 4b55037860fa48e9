/**
 * `pnpm bench responses`: the server time one Responses turn adds over the chat completion
 * under it, and what a loop of 3 MCP tool calls adds beyond model and tool time.
 *
 * A scripted OpenAI-compatible upstream and an MCP server (the official SDK's, stateless
 * Streamable HTTP, one `noop` tool) run in a process of their own on loopback, as a model server
 * and an MCP server would; Cria runs in another, with a distribution naming them. At one request
 * at a time it measures:
 * - the chat completion straight to the upstream, through Cria's /v1/chat/completions, and the
 *   same input through /v1/responses (JSON, and streamed to the last byte);
 * - a response whose model calls `noop` 3 times before answering, against the sum of 4 direct
 *   upstream calls and 3 direct MCP tool calls (the SDK client, one session).
 *
 * The direct calls cross from this process to the servers' as Cria's calls cross from Cria's, so
 * model and tool time include the same hop for both.
 *
 * The paths take turns, one request each per round, so drift falls on all of them alike.
 *
 * Options: --requests <n> (timed requests per path, default 300), --warmup <n> (default 50).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startProcess } from './child-process-start.js';
import { type BenchPath, post, startResponsesCria, timeInTurns, TOOL_CALLS } from './responses-bench-harness.js';
const { values } = parseArgs({ options: { requests: { type: 'string', default: '300' }, warmup: { type: 'string', default: '50' } } });
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);

const servers = await startProcess(['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'bench-responses-servers.ts')], /^upstream \S+ mcp \S+/);
const [, upstreamUrl, mcpUrl] = /^upstream (\S+) mcp (\S+)/.exec(servers.line)!;
const upstream = { url: upstreamUrl! };
const mcp = { url: mcpUrl! };
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
  // With the signal fix Cria's MCP calls have (a signal per request, not the transport's shared one), so tool time is not inflated.
  const fetchOwnSignal: typeof fetch = (url, init) => fetch(url, { ...init, ...(init?.signal ? { signal: AbortSignal.any([init.signal]) } : {}) });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { fetch: fetchOwnSignal }));
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
  servers.child.kill('SIGTERM');
}
