import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `inline::milvus`: Llama Stack's inline MilvusVectorIOConfig (Milvus Lite). */
export interface MilvusLiteSettings {
  /** The Milvus Lite database file. */
  db_path: string;
  /** Where the registry of vector stores lives. */
  persistence: KvStoreRef;
  /** Milvus's consistency level; `Strong` by default. */
  consistency_level?: string;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    db_path: { type: 'string', description: 'Path to the Milvus Lite database file (MILVUS_DB_PATH).' },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
    consistency_level: { type: 'string', default: 'Strong', description: 'The consistency level of the Milvus server.' },
  },
  required: ['db_path', 'persistence'],
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  db_path: '${env.MILVUS_DB_PATH:=~/.cria/distributions/starter}/milvus.db',
  persistence: { namespace: 'vector_io::milvus', backend: 'kv_default' },
};
