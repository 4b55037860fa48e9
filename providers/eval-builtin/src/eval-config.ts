import type { JsonSchema, KvStoreRef } from '@cria/api';

/** `inline::builtin` settings (Llama Stack's BuiltinEvalConfig: its kvstore; the limits are Cria's). */
export interface BuiltinEvalConfig {
  /** Where jobs, their generations as they complete and their results are kept (`{backend, namespace}`). */
  kvstore: KvStoreRef;
  /** Jobs run at once; more wait as `scheduled`. */
  max_concurrent_jobs: number;
  /** Rows of one job (or one evaluations request) generated at once. */
  max_concurrent_generations: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    kvstore: {
      type: 'object',
      description: 'The key-value store of eval jobs, their generations and results.',
      properties: { backend: { type: 'string' }, namespace: { type: ['string', 'null'], default: 'eval' } },
      required: ['backend'],
      additionalProperties: false,
      default: { backend: 'kv_default', namespace: 'eval' },
    },
    max_concurrent_jobs: { type: 'integer', minimum: 1, default: 1, description: 'Jobs run at once; more wait as `scheduled`.' },
    max_concurrent_generations: { type: 'integer', minimum: 1, default: 4, description: 'Rows of one job (or one evaluations request) generated at once.' },
  },
  additionalProperties: false,
};

export const sampleConfig = {
  kvstore: { backend: 'kv_default', namespace: 'eval' },
};
