import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `remote::qdrant`: Llama Stack's QdrantVectorIOConfig, key for key. */
export interface QdrantSettings {
  /** A URL (as `url`), Llama Stack's alternative spelling; its local modes (`:memory:`, a path) are not served. */
  location?: string | null;
  /** The server's URL, `http://localhost:6333` when neither it nor `host` is set; a URL without a scheme gets `http://` (or `https://` when `https` is set). */
  url?: string | null;
  /** The REST port when the URL has none (default 6333). */
  port?: number | string | null;
  /** Accepted for Llama Stack's configs; Cria speaks REST only. */
  grpc_port?: number;
  /** Accepted for Llama Stack's configs; Cria speaks REST only. */
  prefer_grpc?: boolean;
  /** Use https with `host` (or a URL without a scheme). */
  https?: boolean | null;
  /** Sent as the `api-key` header; empty means none. */
  api_key?: string | null;
  /** A path prefix before Qdrant's routes (a reverse proxy's). */
  prefix?: string | null;
  /** Seconds a request may take (default 300, the client's). */
  timeout?: number | null;
  /** The server's host name, without scheme or port. */
  host?: string | null;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence: KvStoreRef;
}

const nullableString: JsonSchema = { type: ['string', 'null'], default: null };

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    location: { ...nullableString, description: 'A URL, as url (local modes are not served).' },
    url: { ...nullableString, description: 'The Qdrant server URL (default http://localhost:6333).' },
    port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]*$' }, { type: 'null' }], default: 6333, description: 'The REST port when the URL has none.' },
    grpc_port: { type: 'integer', default: 6334, description: 'Accepted for Llama Stack configs; unused (REST only).' },
    prefer_grpc: { type: 'boolean', default: false, description: 'Accepted for Llama Stack configs; unused (REST only).' },
    https: { type: ['boolean', 'null'], default: null, description: 'Use https.' },
    api_key: { ...nullableString, description: 'The API key, sent as the api-key header; empty means none.' },
    prefix: { ...nullableString, description: 'A path prefix before the REST routes.' },
    timeout: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Seconds a request may take.' },
    host: { ...nullableString, description: 'The server host name (without scheme or port), instead of url.' },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
  },
  required: ['persistence'],
  additionalProperties: false,
};

/** Llama Stack's sample: the server is the default localhost:6333 unless url or host is added. */
export const sampleConfig: Record<string, unknown> = {
  api_key: '${env.QDRANT_API_KEY:=}',
  persistence: { namespace: 'vector_io::qdrant_remote', backend: 'kv_default' },
};

/** The server's base URL (with the prefix), as the client and error messages see it. */
export function qdrantEndpoint(settings: QdrantSettings): { url?: string; host?: string; port: number; https?: boolean; prefix?: string; display: string } {
  const port = settings.port === null || settings.port === undefined || settings.port === '' ? 6333 : Number(settings.port);
  const prefix = settings.prefix || undefined;
  const https = settings.https ?? undefined;
  let url = settings.url || (settings.location && /^[a-z]+:\/\//i.test(settings.location) ? settings.location : undefined) || undefined;
  if (url && !/^https?:\/\//i.test(url)) url = `${https ? 'https' : 'http'}://${url}`;
  if (url) {
    const parsed = new URL(url);
    const display = `${parsed.protocol}//${parsed.hostname}:${parsed.port || port}${parsed.pathname === '/' ? (prefix ?? '') : parsed.pathname}`;
    return { url, port, https, prefix, display };
  }
  const host = settings.host || 'localhost';
  return { host, port, https, prefix, display: `${https ? 'https' : 'http'}://${host}:${port}${prefix ? `/${prefix.replace(/^\//, '')}` : ''}` };
}
