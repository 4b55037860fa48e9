import { ConfigError, defineProvider } from '@cria/api';
import { configSchema, type MilvusLiteSettings, sampleConfig } from './milvus-config.js';
import { configValidator } from '../generated/config-validator.js';

export type { MilvusLiteSettings } from './milvus-config.js';

/** Why `inline::milvus` cannot start, and what to use instead. */
export const MILVUS_LITE_REFUSAL =
  'inline::milvus runs Milvus Lite, which exists only as a Python package (pymilvus with milvus-lite) and has no Node.js runtime, so Cria cannot serve it. ' +
  "For a Milvus server use remote::milvus (config uri, token; @cria/provider-vector-io-milvus-remote), " +
  "or inline::sqlite-vec or inline::faiss, or leave MILVUS_URL unset so the starter's `${env.MILVUS_URL:+milvus}` skips this provider.";

/**
 * `inline::milvus`: accepts Llama Stack's config so a distribution naming it parses, then refuses
 * to start (the starter enables it only when MILVUS_URL is set).
 */
export default defineProvider<'vector_io', MilvusLiteSettings>({
  api: 'vector_io',
  providerType: 'inline::milvus',
  description: 'Milvus Lite (embedded Milvus): not available in Cria, since Milvus Lite has no Node.js runtime; refused at start-up with a message naming remote::milvus.',
  configSchema,
  configValidator,
  sampleConfig,
  create: () => {
    throw new ConfigError('', MILVUS_LITE_REFUSAL);
  },
});
