import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/**
 * The settings of `remote::milvus`: Llama Stack's remote MilvusVectorIOConfig, key for key. Like
 * Llama Stack's, it allows further keys for the Milvus client; Cria reads `db_name`, `user`,
 * `password` and `timeout` of them and accepts the rest unused.
 */
export interface MilvusRemoteSettings {
  /**
   * The Milvus server, e.g. `http://localhost:19530` (its RESTful API v2 is on the same port); a
   * URI without a scheme gets `http://`. Empty (`${env.MILVUS_ENDPOINT:=}` without the variable)
   * starts the provider unusable: health names the missing uri.
   */
  uri: string | null;
  /** The token, sent as `Authorization: Bearer <token>` (`user:password` on a self-hosted Milvus, an API key on Zilliz Cloud); empty means none. */
  token?: string | null;
  /** The consistency level of the collections this provider creates (default `Strong`). */
  consistency_level?: string;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence: KvStoreRef;
  /** The database (pymilvus' `db_name`; Milvus' `default` when unset). */
  db_name?: string;
  /** With `password`, the credentials when `token` is empty. */
  user?: string;
  password?: string;
  /** Seconds a request may take (default 60, the client's). */
  timeout?: number | null;
  [extra: string]: unknown;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    uri: { type: ['string', 'null'], description: 'The URI of the Milvus server (MILVUS_ENDPOINT), e.g. http://localhost:19530.' },
    token: { type: ['string', 'null'], default: null, description: 'The token of the Milvus server (MILVUS_TOKEN), sent as a bearer token; empty means none.' },
    consistency_level: { type: 'string', default: 'Strong', description: 'The consistency level of the collections created.' },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
    db_name: { type: 'string', description: 'The Milvus database (default: default).' },
    user: { type: 'string', description: 'The user name, with password, when token is empty.' },
    password: { type: 'string', description: 'The password, with user, when token is empty.' },
    timeout: { type: ['number', 'null'], exclusiveMinimum: 0, description: 'Seconds a request may take (default 60).' },
  },
  required: ['uri', 'persistence'],
  additionalProperties: true,
};

/** Llama Stack's sample, with empty defaults so the provider starts without the variables set. */
export const sampleConfig: Record<string, unknown> = {
  uri: '${env.MILVUS_ENDPOINT:=}',
  token: '${env.MILVUS_TOKEN:=}',
  persistence: { namespace: 'vector_io::milvus_remote', backend: 'kv_default' },
};

/** The server's base URL as the client and error messages see it, or null when uri is empty. */
export function milvusEndpoint(uri: string | null | undefined): string | null {
  const trimmed = uri?.trim();
  if (!trimmed) return null;
  return (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`).replace(/\/+$/, '');
}
