import { join } from 'node:path';
import type { PgliteServer } from './pglite-server.js';
import { sqliteStorage } from './server-harness.js';

export interface VectorStoresDistributionOptions {
  /** The vector_io provider: `inline::sqlite-vec` on a file in the data dir (default), or `remote::pgvector` on this server. */
  pgvector?: PgliteServer;
  /** The files provider's upload limit. */
  maxFileSizeBytes?: number;
  /** The fake embedding model's dimension (as the upstream answers it). */
  embeddingDimension?: number;
  /** Extra keys of the distribution's `vector_stores` section. */
  vectorStores?: Record<string, unknown>;
}

/**
 * A distribution for the files, vector IO and vector stores APIs: `remote::openai` on a fake
 * upstream (`fake-llm`, `fake-embedding` registered as an embedding model), `inline::localfs`
 * and a vector_io provider, all keeping their data in `dataDir` (so a server can be restarted on
 * it). Stores default to `openai/fake-embedding`.
 */
export function vectorStoresDistribution(upstreamUrl: string, dataDir: string, options: VectorStoresDistributionOptions = {}): Record<string, unknown> {
  const storage = sqliteStorage(dataDir) as { backends: Record<string, unknown>; stores: Record<string, unknown> };
  const pg = options.pgvector;
  const vectorIo = pg
    ? {
        provider_id: 'pgvector',
        provider_type: 'remote::pgvector',
        config: { host: pg.host, port: pg.port, db: pg.database, user: pg.user, password: pg.password, pool_size: 4, persistence: { namespace: 'vector_io::pgvector', backend: 'kv_default' } },
      }
    : {
        provider_id: 'sqlite-vec',
        provider_type: 'inline::sqlite-vec',
        config: { db_path: join(dataDir, 'sqlite_vec.db'), persistence: { namespace: 'vector_io::sqlite_vec', backend: 'kv_default' } },
      };
  return {
    apis: ['inference', 'files', 'vector_io'],
    providers: {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      files: [
        {
          provider_id: 'localfs',
          provider_type: 'inline::localfs',
          config: {
            storage_dir: join(dataDir, 'files'),
            metadata_store: { table_name: 'files_metadata', backend: 'sql_default' },
            ...(options.maxFileSizeBytes ? { max_file_size_bytes: options.maxFileSizeBytes } : {}),
          },
        },
      ],
      vector_io: [vectorIo],
    },
    registered_resources: {
      models: [
        { model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' },
        { model_id: 'fake-embedding', provider_id: 'openai', model_type: 'embedding', metadata: { embedding_dimension: options.embeddingDimension ?? 16 } },
      ],
    },
    vector_stores: {
      default_provider_id: vectorIo.provider_id,
      default_embedding_model: { provider_id: 'openai', model_id: 'fake-embedding' },
      ...(options.vectorStores ?? {}),
    },
    storage: { ...storage, stores: { ...storage.stores, vector_stores: { backend: 'sql_default', table_name: 'vector_stores' } } },
  };
}
