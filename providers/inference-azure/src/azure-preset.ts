import type { JsonSchema } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings, UpstreamAuthorization, UpstreamAuthorizationRequest } from '@cria/provider-utils';

/**
 * Settings of `remote::azure`, as Llama Stack's AzureConfig names them: the shared
 * OpenAI-compatible settings, `base_url` being the resource's `/openai/v1` root (a bare resource
 * URL such as `https://my-resource.openai.azure.com` gets `/openai/v1` added).
 */
export interface AzureSettings extends OpenAICompatSettings {
  /** Sent as the `api-version` query parameter when set (e.g. `preview`); the v1 API needs none. */
  api_version?: string | null;
  /** Llama Stack's `azure` by default; only Azure OpenAI is served, so the value is not used. */
  api_type?: string | null;
}

type AzureOwnKeys = Exclude<keyof AzureSettings, keyof OpenAICompatSettings>;

const azureConfigProperties: Record<AzureOwnKeys, JsonSchema> = {
  api_version: { type: ['string', 'null'], description: 'Azure API version, sent as the api-version query parameter (e.g. 2024-12-01-preview).' },
  api_type: { type: ['string', 'null'], default: 'azure', description: 'Azure API type (azure).' },
};

/** The `/openai/v1` root of an Azure OpenAI resource: a URL with no path is the resource's root. */
export function azureApiRoot(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') return `${parsed.origin}/openai/v1`;
  return url.replace(/\/+$/, '');
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** Azure's own authentication: the key in the `api-key` header, `api-version` on every request. */
function azureAuthorization(apiVersion: string | null): (request: UpstreamAuthorizationRequest) => UpstreamAuthorization {
  return ({ apiKey, providerData }) => {
    const version = nonEmpty(providerData?.azure_api_version) ?? apiVersion;
    const base = nonEmpty(providerData?.azure_api_base);
    return {
      headers: apiKey ? { 'api-key': apiKey } : ({} as Record<string, string>),
      ...(version ? { query: { 'api-version': version } } : {}),
      ...(base ? { baseUrl: azureApiRoot(base) } : {}),
    };
  };
}

/** Azure OpenAI: model ids are the resource's deployment names. */
export const azurePreset: OpenAICompatPreset<AzureSettings> = {
  providerType: 'remote::azure',
  description: 'Azure OpenAI (the /openai/v1 API of a resource; deployments as models).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'azure_api_key',
  providerDataBaseUrlField: 'azure_api_base',
  apiKeyEnv: 'AZURE_API_KEY',
  baseUrlEnv: 'AZURE_API_BASE',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  configProperties: azureConfigProperties,
  sampleConfig: {
    api_key: '${env.AZURE_API_KEY:=}',
    base_url: '${env.AZURE_API_BASE:=}',
    api_version: '${env.AZURE_API_VERSION:=}',
    api_type: '${env.AZURE_API_TYPE:=}',
  },
  configure(settings) {
    const { api_version: apiVersion, api_type: _apiType, ...shared } = settings;
    let baseUrl = nonEmpty(shared.base_url);
    if (baseUrl) {
      try {
        baseUrl = azureApiRoot(baseUrl);
      } catch {
        // left as it is: requests then answer that it is not a valid URL
      }
    }
    return { settings: { ...shared, base_url: baseUrl }, extensions: { authorize: azureAuthorization(nonEmpty(apiVersion)) } };
  },
};
