import { defineProvider } from '@cria/api';
import { configSchema, type McpToolRuntimeConfig, providerDataSchema, sampleConfig } from './mcp-config.js';
import { McpToolRuntime } from './mcp-tool-runtime.js';
import { configValidator } from '../generated/config-validator.js';

export type { McpToolRuntimeConfig } from './mcp-config.js';
export { McpToolRuntime } from './mcp-tool-runtime.js';
export { mcpHeadersFor } from './mcp-headers.js';

export default defineProvider<'tool_runtime', McpToolRuntimeConfig>({
  api: 'tool_runtime',
  providerType: 'remote::model-context-protocol',
  description: 'Tools of Model Context Protocol servers (Streamable HTTP, or SSE), listed and invoked with the official MCP SDK; register a tool group with mcp_endpoint: {uri}.',
  configSchema,
  configValidator,
  sampleConfig,
  providerDataSchema,
  requirements: ['@modelcontextprotocol/sdk'],
  create: (config, context) => McpToolRuntime.create(config, context),
});
