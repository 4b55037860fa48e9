import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `remote::elasticsearch`: Llama Stack's ElasticsearchVectorIOConfig. */
export interface ElasticsearchSettings {
  /** The API key (an encoded id:key), sent as `Authorization: ApiKey …`; empty means none. */
  elasticsearch_api_key?: string | null;
  /** The server, `localhost:9200` by default; without a scheme it is http. */
  elasticsearch_url?: string | null;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence?: KvStoreRef | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    elasticsearch_api_key: { type: ['string', 'null'], default: null, description: 'The API key for the Elasticsearch instance; empty means none.' },
    elasticsearch_url: { type: ['string', 'null'], default: 'localhost:9200', description: 'The URL of the Elasticsearch instance (http when it has no scheme).' },
    persistence: {
      anyOf: [apiSchemas.definitions.KvStoreReference!, { type: 'null' }],
      default: null,
      description: 'The key-value store holding the registry of vector stores (kv_default, namespace vector_io::elasticsearch, when unset).',
    },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  elasticsearch_url: '${env.ELASTICSEARCH_URL:=localhost:9200}',
  elasticsearch_api_key: '${env.ELASTICSEARCH_API_KEY:=}',
  persistence: { namespace: 'vector_io::elasticsearch', backend: 'kv_default' },
};

/** The server's URL with a scheme: Llama Stack's default `localhost:9200` has none, and means http. */
export function elasticsearchNode(url: string | null | undefined): string {
  const given = url || 'localhost:9200';
  return /^https?:\/\//i.test(given) ? given.replace(/\/+$/, '') : `http://${given.replace(/\/+$/, '')}`;
}
