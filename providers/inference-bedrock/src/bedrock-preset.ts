import type { JsonSchema } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings } from '@cria/provider-utils';

/**
 * Settings of `remote::bedrock`, as Llama Stack 0.7.1's BedrockConfig names them: the shared
 * OpenAI-compatible settings (`api_key` is a Bedrock API key, AWS_BEARER_TOKEN_BEDROCK) and the
 * region whose endpoint serves the requests.
 */
export interface BedrockSettings extends OpenAICompatSettings {
  /** The AWS region of the Bedrock Runtime endpoint; us-east-2 when unset. */
  region_name?: string | null;
}

type BedrockOwnKeys = Exclude<keyof BedrockSettings, keyof OpenAICompatSettings>;

const DEFAULT_REGION = 'us-east-2';

const bedrockConfigProperties: Record<BedrockOwnKeys, JsonSchema> = {
  region_name: { type: ['string', 'null'], default: DEFAULT_REGION, description: 'AWS region of the Bedrock Runtime endpoint.' },
};

/** Bedrock's OpenAI-compatible root in a region. */
export function bedrockApiRoot(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com/openai/v1`;
}

/**
 * Amazon Bedrock's OpenAI-compatible endpoint: chat completions only, with a Bedrock API key as
 * bearer token; it lists no models, so the distribution registers them.
 */
export const bedrockPreset: OpenAICompatPreset<BedrockSettings> = {
  providerType: 'remote::bedrock',
  description: 'Amazon Bedrock (its OpenAI-compatible chat completions endpoint, with a Bedrock API key).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'aws_bearer_token_bedrock',
  apiKeyEnv: 'AWS_BEARER_TOKEN_BEDROCK',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: null,
  listsModels: false,
  unsupported: ['completions', 'embeddings'],
  configProperties: bedrockConfigProperties,
  sampleConfig: { api_key: '${env.AWS_BEARER_TOKEN_BEDROCK:=}', region_name: '${env.AWS_DEFAULT_REGION:=us-east-2}' },
  configure(settings) {
    const { region_name: region, ...shared } = settings;
    // base_url is Cria's: it replaces the regional endpoint (a proxy, a test stand-in).
    const baseUrl = shared.base_url?.trim() ? shared.base_url : bedrockApiRoot(region?.trim() || DEFAULT_REGION);
    return { settings: { ...shared, base_url: baseUrl } };
  },
};
