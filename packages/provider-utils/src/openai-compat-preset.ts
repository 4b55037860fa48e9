import type { ChatCompletionRequest, EmbeddingsRequest, JsonSchema, ProviderLogger } from '@cria/api';
import type { OpenAICompatSettings } from './openai-compat-config.js';

/** A model a service lists as an embedding model, with what Cria needs to know of it. */
export interface OpenAICompatEmbeddingModel {
  embedding_dimension: number;
  context_length?: number;
}

/** What the shared adapter needs to know about one OpenAI-compatible service. */
export interface OpenAICompatService {
  /** Llama Stack's provider type, e.g. `remote::vllm`. */
  providerType: string;
  /** The API root used when the config sets no base_url; null when the service has none. */
  defaultBaseUrl: string | null;
  /** The X-LlamaStack-Provider-Data field holding a per-request API key. */
  providerDataApiKeyField: string | null;
  /**
   * The X-LlamaStack-Provider-Data field that may give the API root for one request
   * (passthrough's `passthrough_url`); a provider with one needs no base_url in its config.
   */
  providerDataBaseUrlField?: string | null;
  /** The environment variable the sample config reads the key from, named in error messages. */
  apiKeyEnv: string | null;
  /** The environment variable the sample config reads base_url from, named when base_url is missing. */
  baseUrlEnv?: string | null;
  /** Whether requests fail without an API key (hosted services) or go out without one. */
  requiresApiKey: boolean;
  /** Embedding models the service lists, with their dimensions (others are listed as llm). */
  embeddingModels: Readonly<Record<string, OpenAICompatEmbeddingModel>>;
  /** Turn image URLs into data URLs before sending (the service cannot fetch them). */
  downloadImages: boolean;
  /**
   * `models`: GET <base>/models answers; `health`: GET the `health` sibling of the base path (vLLM,
   * llama-server); null: the service has no route to probe (Bedrock), so health checks only that
   * the provider has what it needs to authenticate.
   */
  healthPath: 'models' | 'health' | null;
  /** False when the service cannot list its models (Bedrock): only registered models are routed to it. Default true. */
  listsModels?: boolean;
  /** Operations the service does not offer; requests for them answer 400 (unsupported) without reaching it. */
  unsupported?: readonly ('completions' | 'embeddings')[];
  /**
   * Where the service reranks, in the Jina / Cohere shape (`{model, query, documents, top_n}` →
   * `{results: [{index, relevance_score}]}`): `base` posts to `<base_url>/rerank` (llama.cpp
   * server's `/v1/rerank`), `root` to `/rerank` beside the `/v1` root (vLLM). Absent or null: the
   * provider cannot rerank. A service that reranks lists models named `*rerank*` as rerank models.
   */
  rerankEndpoint?: 'base' | 'root' | null;
}

/** Behaviour a provider package adds to the shared adapter, made from its own settings. */
export interface OpenAICompatExtensions {
  /** Rewrites a chat request before it is sent (vLLM's default max_tokens); returns the request itself when nothing changes. */
  prepareChatRequest?(request: ChatCompletionRequest): ChatCompletionRequest;
  /** Rewrites an embeddings request before it is sent (watsonx's project_id); returns the request itself when nothing changes. */
  prepareEmbeddingsRequest?(request: EmbeddingsRequest): EmbeddingsRequest;
  /** Headers to send with one request, taken from its provider data (passthrough's forward_headers); lower-case names. */
  providerDataHeaders?(providerData: Readonly<Record<string, unknown>>): Readonly<Record<string, string>> | undefined;
  /**
   * Where the model list is read when it is not OpenAI's `GET <base_url>/models` (Databricks'
   * serving endpoints): the URL to GET (with the configured headers) and the ids in its reply.
   * The health check reads it too.
   */
  modelList?: { url(baseUrl: string): string; idsOf(reply: unknown): string[] };
  /**
   * Authenticates each upstream request the service's own way, instead of `Authorization: Bearer
   * <api_key>`: an `api-key` header (Azure), a bearer token obtained asynchronously and refreshed
   * before it expires (Vertex AI's application-default credentials, watsonx's IAM exchange), and
   * query parameters every request carries (`api-version`). Called for every request, model
   * listing and health check included, so it should answer from a cache when it can. Throws a
   * Cria error (AuthenticationError naming what is missing, UpstreamError) when it cannot.
   */
  authorize?(request: UpstreamAuthorizationRequest): Promise<UpstreamAuthorization> | UpstreamAuthorization;
}

/** What `authorize` knows of the request it authenticates. */
export interface UpstreamAuthorizationRequest {
  /** The request's key: its provider data's, else the config's api_key; null when neither has one. */
  apiKey: string | null;
  /** The request's X-LlamaStack-Provider-Data; null for model listing and health checks. */
  providerData: Readonly<Record<string, unknown>> | null;
}

/** How `authorize` authenticates one upstream request. */
export interface UpstreamAuthorization {
  /** Headers to set, lower-case names (they replace the bearer header the adapter would send). */
  headers?: Readonly<Record<string, string>>;
  /** Query parameters added to the request's URL. */
  query?: Readonly<Record<string, string>>;
  /** The API root for this request, when it differs from the configured one (a per-request region or project). */
  baseUrl?: string;
}

/** What `configure` receives besides the settings. */
export interface OpenAICompatConfigureContext {
  providerId: string;
  logger: ProviderLogger;
}

/**
 * One OpenAI-compatible provider type, as its own package declares it and hands it to
 * `openAICompatProvider`. `Settings` is the provider's settings type: the shared keys plus its own.
 */
export interface OpenAICompatPreset<Settings extends OpenAICompatSettings = OpenAICompatSettings> extends OpenAICompatService {
  /** Shown in `cria list-providers`. */
  description: string;
  /** The JSON Schema of the provider's own config keys (those of Settings beyond OpenAICompatSettings). */
  configProperties?: Readonly<Record<string, JsonSchema>>;
  /** Config keys holding secrets besides `api_key`; GET /v1/providers masks them. */
  secretConfigKeys?: readonly string[];
  /** The config `cria new-provider` and the docs show; `${env.X}` references allowed. */
  sampleConfig: Record<string, unknown>;
  /** Environment variables the provider reads itself besides those of `sampleConfig` (`GOOGLE_APPLICATION_CREDENTIALS`). */
  environment?: readonly string[];
  /**
   * Reads the provider's own keys when an instance is created: returns the shared settings the
   * adapter runs with (a deprecated key moved to its new place, say) and the provider's
   * extensions. Without it the config is used as it is.
   */
  configure?(
    settings: Settings,
    context: OpenAICompatConfigureContext,
  ): {
    settings: OpenAICompatSettings;
    extensions?: OpenAICompatExtensions;
    /** What differs for this instance from the preset's description (NVIDIA needs a key only on its hosted API). */
    service?: Partial<Pick<OpenAICompatService, 'requiresApiKey' | 'downloadImages'>>;
  };
}
