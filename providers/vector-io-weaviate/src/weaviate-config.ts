import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `remote::weaviate`: Llama Stack's WeaviateVectorIOConfig. */
export interface WeaviateSettings {
  /** Sent as `Authorization: Bearer …` (a Weaviate Cloud or API-key-auth server); empty means none. */
  weaviate_api_key?: string | null;
  /** The server, `localhost:8080` by default; without a scheme it is http for localhost (Llama Stack's connect_to_local) and https otherwise (connect_to_weaviate_cloud). */
  weaviate_cluster_url?: string | null;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence?: KvStoreRef | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    weaviate_api_key: { type: ['string', 'null'], default: null, description: 'The API key for the Weaviate instance; empty means none.' },
    weaviate_cluster_url: { type: ['string', 'null'], default: 'localhost:8080', description: 'The URL of the Weaviate cluster (http for localhost, https otherwise, when it has no scheme).' },
    persistence: {
      anyOf: [apiSchemas.definitions.KvStoreReference!, { type: 'null' }],
      default: null,
      description: 'The key-value store holding the registry of vector stores (kv_default, namespace vector_io::weaviate, when unset).',
    },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  weaviate_api_key: null,
  weaviate_cluster_url: '${env.WEAVIATE_CLUSTER_URL:=localhost:8080}',
  persistence: { namespace: 'vector_io::weaviate', backend: 'kv_default' },
};

/** The base URL of the server's REST API. */
export function weaviateBaseUrl(clusterUrl: string | null | undefined): string {
  const given = (clusterUrl || 'localhost:8080').replace(/\/+$/, '');
  if (/^https?:\/\//i.test(given)) return given;
  return `${/^(localhost|127\.0\.0\.1)(:|$)/.test(given) ? 'http' : 'https'}://${given}`;
}
