import type { JsonSchema } from '@cria/api';

/** `remote::model-context-protocol` settings (Llama Stack's MCPProviderConfig has none; these are Cria's). */
export interface McpToolRuntimeConfig {
  /** Seconds to open a session with an MCP server (each transport tried) before giving up with 504. */
  connect_timeout_seconds: number;
  /** Seconds a listing or a tool call may take before it fails with 504. */
  call_timeout_seconds: number;
  /** Sessions kept open at once (one per server URL and header set); the least recently used is closed first. */
  max_sessions: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    connect_timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Seconds to open a session with an MCP server.' },
    call_timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 60, description: 'Seconds a tools/list or tools/call may take.' },
    max_sessions: { type: 'integer', minimum: 1, default: 32, description: 'Open sessions kept at once; the least recently used is closed first.' },
  },
  additionalProperties: false,
};

export const sampleConfig = {};

/** The `X-LlamaStack-Provider-Data` fields this provider reads. */
export const providerDataSchema: JsonSchema = {
  type: 'object',
  properties: {
    mcp_headers: {
      type: 'object',
      description: 'Headers to send to MCP servers, keyed by the server\'s URL (matched on host and path): `{"http://host/mcp": {"X-Api-Key": "..."}}`.',
      additionalProperties: {
        anyOf: [
          { type: 'object', additionalProperties: { type: 'string' } },
          { type: 'array', items: { type: 'string' }, description: 'Llama Stack 0.1\'s form: `"Name: value"` lines.' },
        ],
      },
    },
  },
};
