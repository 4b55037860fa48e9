import type { JsonSchema, KvStoreRef } from '@cria/api';

/** `inline::reference` settings (Llama Stack's ReferenceBatchesImplConfig). */
export interface ReferenceBatchesConfig {
  /** Where batches and the results of their lines are kept (`{backend, namespace}`). */
  kvstore: KvStoreRef;
  /** Batches run at once; more wait in `validating`. */
  max_concurrent_batches: number;
  /** Lines of one batch in flight at once. */
  max_concurrent_requests_per_batch: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    kvstore: {
      type: 'object',
      description: 'The key-value store of batches and their results.',
      properties: { backend: { type: 'string' }, namespace: { type: ['string', 'null'], default: 'batches' } },
      required: ['backend'],
      additionalProperties: false,
      default: { backend: 'kv_default', namespace: 'batches' },
    },
    max_concurrent_batches: { type: 'integer', minimum: 1, default: 1, description: 'Batches run at once; more wait in `validating`.' },
    max_concurrent_requests_per_batch: { type: 'integer', minimum: 1, default: 10, description: 'Lines of one batch in flight at once.' },
  },
  additionalProperties: false,
};

export const sampleConfig = {
  kvstore: { backend: 'kv_default', namespace: 'batches' },
};
