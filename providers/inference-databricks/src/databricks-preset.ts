import type { JsonSchema } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/** Settings of `remote::databricks`: the shared OpenAI-compatible settings (`base_url` required) and `api_token`, as Llama Stack names the key. */
export interface DatabricksSettings extends OpenAICompatSettings {
  /** The Databricks personal access token (Llama Stack's name for the key here); api_key wins when both are set. */
  api_token?: string | null;
}

const databricksConfigProperties: Record<'api_token', JsonSchema> = {
  api_token: { type: ['string', 'null'], description: 'The Databricks API token.' },
};

/** The workspace URL of a base_url ending in `/serving-endpoints` (what Llama Stack hands Databricks' SDK). */
export function databricksHost(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/serving-endpoints$/, '');
}

/** The endpoint names of a `GET /api/2.0/serving-endpoints` reply (`{endpoints: [{name, ...}]}`). */
function servingEndpointNames(reply: unknown): string[] {
  const endpoints = (reply as { endpoints?: { name?: unknown }[] } | null)?.endpoints;
  return Array.isArray(endpoints) ? endpoints.map((endpoint) => endpoint?.name).filter((name): name is string => typeof name === 'string') : [];
}

/**
 * Databricks model serving's OpenAI-compatible API: base_url is the workspace URL with
 * `/serving-endpoints` (`https://<workspace>.cloud.databricks.com/serving-endpoints`), and a
 * model is a serving endpoint's name. The models listed are the workspace's serving endpoints
 * (`GET /api/2.0/serving-endpoints`), as Llama Stack lists them.
 */
export const databricksPreset: OpenAICompatPreset<DatabricksSettings> = {
  providerType: 'remote::databricks',
  description: 'Databricks model serving (its OpenAI-compatible API).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'databricks_api_token',
  apiKeyEnv: 'DATABRICKS_TOKEN',
  requiresApiKey: true,
  // Llama Stack's list, from Databricks' Foundation Model APIs supported models.
  embeddingModels: {
    'databricks-gte-large-en': { embedding_dimension: 1024, context_length: 8192 },
    'databricks-bge-large-en': { embedding_dimension: 1024, context_length: 512 },
  },
  downloadImages: false,
  healthPath: 'models',
  configProperties: databricksConfigProperties,
  secretConfigKeys: ['api_token'],
  sampleConfig: { base_url: '${env.DATABRICKS_HOST:=}', api_token: '${env.DATABRICKS_TOKEN:=}' },
  configure(settings) {
    const { api_token: apiToken, ...shared } = settings;
    return {
      settings: { ...shared, api_key: shared.api_key || apiToken || null },
      extensions: { modelList: { url: (baseUrl) => `${databricksHost(baseUrl)}/api/2.0/serving-endpoints`, idsOf: servingEndpointNames } },
    };
  },
};
