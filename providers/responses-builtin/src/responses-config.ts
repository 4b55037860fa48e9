import type { JsonSchema, KvStoreRef, SqlStoreRef } from '@cria/api';

/** `inline::builtin` settings (Llama Stack's BuiltinResponsesImplConfig, plus Cria's limits). */
export interface BuiltinResponsesConfig {
  persistence: {
    /** Llama Stack keeps agent state here; accepted for its configs (Cria's Responses keep none). */
    agent_state?: KvStoreRef | null;
    /** The table of stored responses (`{backend, table_name}`). */
    responses: SqlStoreRef & { max_write_queue_size?: number; num_writers?: number };
  };
  /** Background responses run at once; more wait `queued`. */
  max_background_responses: number;
  /** Seconds a server-side tool call (MCP, web search) may take before it fails the call. */
  tool_timeout_seconds: number;
}

const kvRef: JsonSchema = {
  type: 'object',
  properties: { backend: { type: 'string' }, namespace: { type: ['string', 'null'] } },
  required: ['backend'],
  additionalProperties: false,
};

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    persistence: {
      type: 'object',
      properties: {
        agent_state: { anyOf: [kvRef, { type: 'null' }] },
        responses: {
          type: 'object',
          properties: {
            backend: { type: 'string' },
            table_name: { type: ['string', 'null'], default: 'responses' },
            max_write_queue_size: { type: 'integer', minimum: 1, description: 'Accepted for Llama Stack configs; writes are not queued.' },
            num_writers: { type: 'integer', minimum: 1, description: 'Accepted for Llama Stack configs; writes are not queued.' },
          },
          required: ['backend'],
          additionalProperties: false,
        },
      },
      required: ['responses'],
      additionalProperties: false,
      default: { responses: { backend: 'sql_default', table_name: 'responses' } },
    },
    max_background_responses: { type: 'integer', minimum: 1, default: 4, description: 'Background responses run at once; more wait queued.' },
    tool_timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 60, description: 'Seconds a server-side tool call may take.' },
  },
  additionalProperties: false,
};

export const sampleConfig = {
  persistence: {
    agent_state: { namespace: 'agents', backend: 'kv_default' },
    responses: { table_name: 'responses', backend: 'sql_default' },
  },
};
