import { apiSchemas, type JsonSchema, type KvStoreRef } from '@cria/api';

/** The settings of `remote::infinispan`: Llama Stack's InfinispanVectorIOConfig. */
export interface InfinispanSettings {
  /** The server, `http://localhost:11222` by default. */
  url?: string;
  /** The user to authenticate as; with an empty username or password no credentials are sent (as Llama Stack does). */
  username?: string | null;
  /** The user's password. */
  password?: string | null;
  /** Talks https to the server's host and port even when `url` says http. */
  use_https?: boolean;
  /** `digest` (default) or `basic`. */
  auth_mechanism?: string;
  /** Verifies the server's TLS certificate (https only). */
  verify_tls?: boolean;
  /** Where the registry of vector stores lives, so they reopen after a restart. */
  persistence: KvStoreRef;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', default: 'http://localhost:11222', description: 'Infinispan server URL (e.g., http://localhost:11222).' },
    username: { type: ['string', 'null'], default: null, description: 'Authentication username.' },
    password: { type: ['string', 'null'], default: null, description: 'Authentication password.' },
    use_https: { type: 'boolean', default: false, description: 'Enable HTTPS/TLS connection.' },
    auth_mechanism: { type: 'string', default: 'digest', description: "Authentication mechanism: 'digest' or 'basic'." },
    verify_tls: { type: 'boolean', default: true, description: 'Verify TLS certificates for HTTPS connections.' },
    persistence: { ...apiSchemas.definitions.KvStoreReference!, description: 'The key-value store holding the registry of vector stores.' },
  },
  required: ['persistence'],
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  url: '${env.INFINISPAN_URL:=http://localhost:11222}',
  username: '${env.INFINISPAN_USERNAME:=admin}',
  password: '${env.INFINISPAN_PASSWORD:=}',
  use_https: false,
  auth_mechanism: 'digest',
  verify_tls: true,
  persistence: { namespace: 'vector_io::infinispan', backend: 'kv_default' },
};

/** The base URL requests go to: `url` without a trailing slash, switched to https by `use_https`. */
export function infinispanBaseUrl(settings: Pick<InfinispanSettings, 'url' | 'use_https'>): string {
  const url = new URL(settings.url || 'http://localhost:11222');
  if (settings.use_https) url.protocol = 'https:';
  return url.toString().replace(/\/+$/, '');
}
