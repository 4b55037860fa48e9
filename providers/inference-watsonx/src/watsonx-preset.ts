import { AuthenticationError, type ChatCompletionRequest, type EmbeddingsRequest, type JsonSchema, UpstreamError } from '@cria/api';
import type { OpenAICompatPreset, OpenAICompatSettings, UpstreamAuthorization, UpstreamAuthorizationRequest } from '@cria/provider-utils';

/** Settings of `remote::watsonx`, as Llama Stack's WatsonXConfig names them, plus Cria's `iam_url`. */
export interface WatsonxSettings extends OpenAICompatSettings {
  /** The watsonx.ai project id, sent with every chat and embeddings request (WATSONX_PROJECT_ID). */
  project_id?: string | null;
  /** Seconds an HTTP request may take (60); network.timeout wins when set. */
  timeout?: number;
  /** Cria's: IBM Cloud's IAM token endpoint the API key is exchanged at. */
  iam_url?: string;
}

type WatsonxOwnKeys = Exclude<keyof WatsonxSettings, keyof OpenAICompatSettings>;

const DEFAULT_BASE_URL = 'https://us-south.ml.cloud.ibm.com';
const IAM_URL = 'https://iam.cloud.ibm.com/identity/token';
/** The watsonx.ai API version Llama Stack sends. */
export const WATSONX_API_VERSION = '2023-10-25';

const watsonxConfigProperties: Record<WatsonxOwnKeys | 'base_url', JsonSchema> = {
  base_url: { type: ['string', 'null'], default: DEFAULT_BASE_URL, description: 'The watsonx.ai service URL (the API is under /ml/v1).' },
  project_id: { type: ['string', 'null'], description: 'The watsonx.ai project ID.' },
  timeout: { type: 'integer', minimum: 1, default: 60, description: 'Timeout in seconds of the HTTP requests.' },
  iam_url: { type: 'string', default: IAM_URL, description: 'IBM Cloud IAM token endpoint.' },
};

/**
 * IAM bearer tokens for watsonx API keys: one per key (a request's own key gets its own), kept
 * until a minute before the `expiration` IAM gives.
 */
class IamTokens {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly iamUrl: string) {}

  token(apiKey: string): Promise<string> {
    const cached = this.tokens.get(apiKey);
    if (cached && cached.expiresAt - 60_000 > Date.now()) return Promise.resolve(cached.token);
    let pending = this.pending.get(apiKey);
    if (!pending) {
      pending = this.exchange(apiKey).finally(() => this.pending.delete(apiKey));
      this.pending.set(apiKey, pending);
    }
    return pending;
  }

  private async exchange(apiKey: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(this.iamUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: apiKey }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new UpstreamError('watsonx', `could not reach IBM Cloud IAM at ${this.iamUrl}: ${(error as Error).message}`, { cause: error });
    }
    const reply = (await response.json().catch(() => ({}))) as { access_token?: string; expiration?: number; errorMessage?: string };
    if (!response.ok || !reply.access_token) {
      throw new AuthenticationError(`IBM Cloud IAM refused the watsonx API key (${response.status}): ${reply.errorMessage ?? 'no access_token in the answer'}. Check api_key (WATSONX_API_KEY).`);
    }
    const expiresAt = reply.expiration ? reply.expiration * 1000 : Date.now() + 3600_000;
    this.tokens.set(apiKey, { token: reply.access_token, expiresAt });
    return reply.access_token;
  }
}

/** IBM watsonx.ai's OpenAI-compatible API under `/ml/v1`, the API key exchanged for IAM tokens. */
export const watsonxPreset: OpenAICompatPreset<WatsonxSettings> = {
  providerType: 'remote::watsonx',
  description: 'IBM watsonx.ai (its OpenAI-compatible chat and embeddings API, with IAM tokens).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'watsonx_api_key',
  apiKeyEnv: 'WATSONX_API_KEY',
  requiresApiKey: true,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  unsupported: ['completions'],
  configProperties: watsonxConfigProperties,
  sampleConfig: { base_url: '${env.WATSONX_BASE_URL:=https://us-south.ml.cloud.ibm.com}', api_key: '${env.WATSONX_API_KEY:=}', project_id: '${env.WATSONX_PROJECT_ID:=}' },
  configure(settings) {
    const { project_id: projectId, timeout, iam_url: iamUrl, ...shared } = settings;
    const root = (shared.base_url?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
    const network = shared.network?.timeout == null ? { ...(shared.network ?? {}), timeout: timeout ?? 60 } : shared.network;
    const tokens = new IamTokens(iamUrl ?? IAM_URL);
    const withProject = <T extends ChatCompletionRequest | EmbeddingsRequest>(request: T): T => (projectId ? { ...request, project_id: projectId } : request);
    return {
      settings: { ...shared, base_url: `${root}/ml/v1`, network },
      extensions: {
        // watsonx refuses parallel_tool_calls, as Llama Stack's adapter notes.
        prepareChatRequest: (request) => {
          const { parallel_tool_calls: _dropped, ...rest } = request;
          return withProject(rest as ChatCompletionRequest);
        },
        prepareEmbeddingsRequest: withProject,
        authorize: async ({ apiKey }: UpstreamAuthorizationRequest): Promise<UpstreamAuthorization> => ({
          headers: apiKey ? { authorization: `Bearer ${await tokens.token(apiKey)}` } : {},
          query: { version: WATSONX_API_VERSION },
        }),
      },
    };
  },
};
