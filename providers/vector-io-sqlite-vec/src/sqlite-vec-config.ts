import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `inline::sqlite-vec`: Llama Stack's SQLiteVectorIOConfig. */
export interface SqliteVecSettings {
  /**
   * The SQLite file holding the chunks, their embeddings and the keyword index. `~` is the home
   * directory; a relative path resolves against the distribution's directory.
   */
  db_path: string;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence: KvStoreRef;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    db_path: { type: 'string', minLength: 1, description: 'Path to the SQLite database file of the chunks.' },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
  },
  required: ['db_path', 'persistence'],
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  db_path: '${env.SQLITE_STORE_DIR:=~/.cria/distributions/starter}/sqlite_vec.db',
  persistence: { namespace: 'vector_io::sqlite_vec', backend: 'kv_default' },
};
