import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `inline::faiss`: Llama Stack's FaissVectorIOConfig. */
export interface FaissSettings {
  /** The key-value store holding the vector stores and their chunks, so they reopen after a restart. */
  persistence: KvStoreRef;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the vector stores, their chunks and embeddings.' },
  },
  required: ['persistence'],
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  persistence: { namespace: 'vector_io::faiss', backend: 'kv_default' },
};
