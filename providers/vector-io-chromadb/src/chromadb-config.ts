import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `remote::chromadb`: Llama Stack's ChromaVectorIOConfig (remote). */
export interface ChromadbSettings {
  /**
   * The Chroma server, e.g. `http://localhost:8000`. Empty or null (the starter's
   * `${env.CHROMADB_URL:=}` without the variable) starts the provider unusable: health names
   * CHROMADB_URL and every request answers 503.
   */
  url: string | null;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence: KvStoreRef;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    url: { type: ['string', 'null'], description: 'URL of the Chroma server (CHROMADB_URL), e.g. http://localhost:8000.' },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
  },
  required: ['url', 'persistence'],
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  url: '${env.CHROMADB_URL:=}',
  persistence: { namespace: 'vector_io::chroma_remote', backend: 'kv_default' },
};
