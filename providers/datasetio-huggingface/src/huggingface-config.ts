import type { JsonSchema } from '@cria/api';

/** `remote::huggingface` datasetio settings. */
export interface HuggingfaceDatasetIOConfig {
  /** A Hugging Face token, sent as `Authorization: Bearer`; the `HF_TOKEN` environment variable when empty. Gated and private datasets need one. */
  api_key: string | null;
  /** The datasets-server (its /rows and /splits endpoints). */
  base_url: string;
  /** How long one request may take. */
  timeout_seconds: number;
  /** Llama Stack's kvstore, accepted so its configs load; datasets are kept by the registry here. */
  kvstore?: { backend: string; namespace?: string | null } | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    api_key: { type: ['string', 'null'], default: null, description: 'Hugging Face token (HF_TOKEN when empty), sent as a Bearer token.' },
    base_url: { type: 'string', minLength: 1, default: 'https://datasets-server.huggingface.co', description: 'The datasets-server base URL.' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'Timeout of one request to the datasets-server.' },
    kvstore: {
      type: ['object', 'null'],
      properties: { backend: { type: 'string' }, namespace: { type: ['string', 'null'] } },
      additionalProperties: false,
      description: 'Accepted for Llama Stack configs and unused: registered datasets live in the registry.',
    },
  },
  additionalProperties: false,
};

export const sampleConfig = { api_key: '${env.HF_TOKEN:=}' };
