import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** pgvector's distance operators, by Llama Stack's metric names. */
export type PgvectorDistanceMetric = 'COSINE' | 'L2' | 'L1' | 'INNER_PRODUCT';

/** An HNSW index (https://github.com/pgvector/pgvector#hnsw); unset numbers take pgvector's defaults. */
export interface PgvectorHnswIndex {
  type: 'HNSW';
  /** The most edges a vertex has (default 16). */
  m?: number | null;
  /** The candidate list size while building the graph (default 64). */
  ef_construction?: number | null;
  /** The candidate list size while searching (default 40); raised to the number of results asked for. */
  ef_search?: number | null;
}

/**
 * An IVFFlat index (https://github.com/pgvector/pgvector#ivfflat). As in Llama Stack, it is built
 * once a store holds `lists` × 1000 chunks (k-means needs data); until then search is exact.
 */
export interface PgvectorIvfflatIndex {
  type: 'IVFFlat';
  /** How many lists the vectors are divided into (default 100). */
  lists?: number | null;
  /** How many lists a search visits (default 10); must be below `lists`. */
  probes?: number | null;
}

/** The settings of `remote::pgvector`: Llama Stack's PGVectorVectorIOConfig, plus pool settings. */
export interface PgvectorSettings {
  host?: string | null;
  port?: number | string | null;
  db?: string | null;
  user?: string | null;
  password?: string | null;
  /** How vectors are compared; the score is the cosine similarity, 1 / (1 + distance) for L2 and L1, the inner product. */
  distance_metric?: PgvectorDistanceMetric | null;
  /** The approximate index per store; HNSW (m 16, ef_construction 64, ef_search 40) by default. */
  vector_index?: PgvectorHnswIndex | PgvectorIvfflatIndex | null;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence: KvStoreRef;
  /** Connections the pool may open (Cria's addition; default 10). */
  pool_size?: number;
  /** Seconds to wait for a connection before failing (Cria's addition, as libpq's connect_timeout; default 10). */
  connect_timeout?: number;
}

const positive: JsonSchema = { type: ['integer', 'null'], minimum: 1 };

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    host: { type: ['string', 'null'], default: 'localhost' },
    port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]+$' }, { type: 'null' }], default: 5432 },
    db: { type: ['string', 'null'], default: 'postgres' },
    user: { type: ['string', 'null'], default: 'postgres' },
    password: { type: ['string', 'null'], default: 'mysecretpassword' },
    distance_metric: { anyOf: [{ type: 'string', enum: ['COSINE', 'L2', 'L1', 'INNER_PRODUCT'] }, { type: 'null' }], default: 'COSINE', description: 'pgvector distance used for vector search.' },
    vector_index: {
      anyOf: [
        {
          type: 'object',
          title: 'PgvectorHnswIndex',
          properties: { type: { type: 'string', const: 'HNSW' }, m: positive, ef_construction: positive, ef_search: positive },
          required: ['type'],
          additionalProperties: false,
        },
        {
          type: 'object',
          title: 'PgvectorIvfflatIndex',
          properties: { type: { type: 'string', const: 'IVFFlat' }, lists: positive, probes: positive },
          required: ['type'],
          additionalProperties: false,
        },
        { type: 'null' },
      ],
      default: { type: 'HNSW', m: 16, ef_construction: 64, ef_search: 40 },
      description: 'The approximate nearest neighbour index of each store.',
    },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
    pool_size: { type: 'integer', minimum: 1, default: 10, description: 'Connections the pool may open.' },
    connect_timeout: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Seconds to wait for a connection.' },
  },
  required: ['persistence'],
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  host: '${env.PGVECTOR_HOST:=localhost}',
  port: '${env.PGVECTOR_PORT:=5432}',
  db: '${env.PGVECTOR_DB:=}',
  user: '${env.PGVECTOR_USER:=}',
  password: '${env.PGVECTOR_PASSWORD:=}',
  distance_metric: 'COSINE',
  vector_index: { type: 'HNSW', m: 16, ef_construction: 64, ef_search: 40 },
  persistence: { namespace: 'vector_io::pgvector', backend: 'kv_default' },
};

/** The index settings with pgvector's (and Llama Stack's) defaults filled in. */
export type ResolvedVectorIndex = { type: 'HNSW'; m: number; efConstruction: number; efSearch: number } | { type: 'IVFFlat'; lists: number; probes: number } | { type: 'none' };

export function resolveVectorIndex(index: PgvectorSettings['vector_index']): ResolvedVectorIndex {
  if (index === null) return { type: 'none' };
  if (index === undefined || index.type === 'HNSW') return { type: 'HNSW', m: index?.m ?? 16, efConstruction: index?.ef_construction ?? 64, efSearch: index?.ef_search ?? 40 };
  return { type: 'IVFFlat', lists: index.lists ?? 100, probes: index.probes ?? 10 };
}
