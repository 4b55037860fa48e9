import { request as undiciRequest } from 'undici';
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatMessage,
  type Completion,
  type CompletionRequest,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type InferenceProvider,
  InvalidRequestError,
  type ProviderLifecycle,
  type ProviderLogger,
  type ProviderModel,
  type RequestContext,
  type RerankRequest,
  type RerankResponse,
  UnsupportedError,
  UpstreamError,
} from '@cria/api';
import type { OpenAICompatSettings } from './openai-compat-config.js';
import type { OpenAICompatExtensions, OpenAICompatService } from './openai-compat-preset.js';
import { rerankRequestBody, rerankResponseOf } from './openai-compat-rerank.js';
import { UpstreamClient } from './upstream-client.js';

const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

function isChatChunkFinal(chunk: ChatCompletionChunk): boolean {
  return chunk.choices?.some((choice) => Boolean(choice.finish_reason)) ?? false;
}

function isCompletionChunkFinal(chunk: Completion): boolean {
  return chunk.choices?.some((choice) => Boolean(choice.finish_reason)) ?? false;
}

function checkShape<T extends { choices?: unknown }>(provider: string, reply: T, what: string): T {
  if (!reply || typeof reply !== 'object' || !Array.isArray(reply.choices)) {
    throw new UpstreamError(provider, `${provider} answered the ${what} with an unexpected body (no choices)`, { status: null });
  }
  return reply;
}

/**
 * One adapter for every OpenAI-compatible service; the service's description supplies what
 * differs (default URL, provider-data fields, embedding models, image handling) and the
 * provider package's extensions what only it does. Bodies pass through untouched except for
 * `model` (already rewritten by the router) and the extensions' defaults.
 */
export class OpenAICompatInference implements InferenceProvider, ProviderLifecycle {
  private readonly clients = new Map<string, UpstreamClient>();
  private readonly defaultHeaders: Record<string, string>;
  private readonly apiKey: string | null;
  /** Present when the service reranks (`rerankEndpoint`). */
  readonly rerank?: (request: RerankRequest, context: RequestContext) => Promise<RerankResponse>;

  constructor(
    private readonly settings: OpenAICompatSettings,
    private readonly service: OpenAICompatService,
    private readonly providerId: string,
    private readonly logger: ProviderLogger,
    private readonly extensions: OpenAICompatExtensions = {},
  ) {
    this.apiKey = settings.api_key ?? null;
    this.defaultHeaders = this.headersFor(this.apiKey);
    const baseUrl = settings.base_url ?? service.defaultBaseUrl;
    if (baseUrl) this.client(baseUrl);
    if (service.rerankEndpoint) this.rerank = (request, context) => this.rerankWith(service.rerankEndpoint!, request, context);
  }

  async chatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletion> {
    const { client, headers, query } = await this.target(context);
    const body = JSON.stringify(await this.prepareChat(request, context));
    return checkShape(this.providerId, await client.json<ChatCompletion>('POST', `/chat/completions${query}`, headers, body, context), 'chat completion');
  }

  async streamChatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    const { client, headers, query } = await this.target(context);
    const body = JSON.stringify({ ...(await this.prepareChat(request, context)), stream: true });
    return client.stream<ChatCompletionChunk>(`/chat/completions${query}`, headers, body, context, isChatChunkFinal);
  }

  async completion(request: CompletionRequest, context: RequestContext): Promise<Completion> {
    this.checkSupported('completions');
    const { client, headers, query } = await this.target(context);
    return checkShape(this.providerId, await client.json<Completion>('POST', `/completions${query}`, headers, JSON.stringify(request), context), 'completion');
  }

  async streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>> {
    this.checkSupported('completions');
    const { client, headers, query } = await this.target(context);
    return client.stream<Completion>(`/completions${query}`, headers, JSON.stringify({ ...request, stream: true }), context, isCompletionChunkFinal);
  }

  async embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse> {
    this.checkSupported('embeddings');
    const { client, headers, query } = await this.target(context);
    const prepared = this.extensions.prepareEmbeddingsRequest?.(request) ?? request;
    // Ask for floats whatever the client wants: not every service encodes base64.
    const base64 = request.encoding_format === 'base64';
    const response = await client.json<EmbeddingsResponse>('POST', `/embeddings${query}`, headers, JSON.stringify({ ...prepared, encoding_format: 'float' }), context);
    if (!response || !Array.isArray(response.data)) throw new UpstreamError(this.providerId, `${this.providerId} answered the embeddings request with an unexpected body (no data)`, { status: null });
    // Some services (Gemini) send no usage; OpenAI's shape requires it.
    response.usage ??= { prompt_tokens: 0, total_tokens: 0 };
    if (base64) {
      for (const item of response.data) {
        if (Array.isArray(item.embedding)) item.embedding = Buffer.from(new Float32Array(item.embedding).buffer).toString('base64');
      }
    }
    return response;
  }

  async listModels(): Promise<ProviderModel[] | undefined> {
    if (this.service.listsModels === false) return undefined;
    const baseUrl = this.settings.base_url ?? this.service.defaultBaseUrl;
    if (!baseUrl) return undefined;
    if (this.service.requiresApiKey && !this.apiKey) return undefined;
    const ids = await this.modelIds(await this.authorized(baseUrl, this.apiKey, this.defaultHeaders, null), undefined);
    const allowed = this.settings.allowed_models?.length ? new Set(this.settings.allowed_models) : null;
    return ids
      .filter((id) => !allowed || allowed.has(id))
      .map((id) => {
        const embedding = this.service.embeddingModels[id];
        if (embedding) return { providerModelId: id, modelType: 'embedding' as const, metadata: { ...embedding } };
        // Llama Stack's vLLM adapter: the model list has no type, so a reranker is known by its name.
        if (this.service.rerankEndpoint && /rerank/i.test(id)) return { providerModelId: id, modelType: 'rerank' as const, metadata: {} };
        return { providerModelId: id, modelType: 'llm' as const, metadata: {} };
      });
  }

  /** The service's model ids: OpenAI's `GET <base_url>/models`, or where the provider's `modelList` says. */
  private async modelIds(target: { client: UpstreamClient; headers: Record<string, string>; baseUrl: string; query: string }, abort: { signal: AbortSignal } | undefined): Promise<string[]> {
    const modelList = this.extensions.modelList;
    if (!modelList) {
      const reply = await target.client.json<{ data?: { id?: unknown }[] }>('GET', `/models${target.query}`, target.headers, undefined, abort);
      return (reply?.data ?? []).map((model) => model?.id).filter((id): id is string => typeof id === 'string');
    }
    const url = new URL(modelList.url(target.baseUrl));
    const reply = await this.client(url.origin).json<unknown>('GET', `${url.pathname}${url.search}`, target.headers, undefined, abort);
    return modelList.idsOf(reply);
  }

  shouldRefreshModels(): boolean {
    return this.settings.refresh_models ?? false;
  }

  async registerModel(model: ProviderModel): Promise<Partial<ProviderModel> | void> {
    const known = this.service.embeddingModels[model.providerModelId];
    if (model.modelType === 'embedding' && known && model.metadata?.embedding_dimension === undefined) return { metadata: { ...known } };
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    const baseUrl = this.settings.base_url ?? this.service.defaultBaseUrl;
    if (!baseUrl && !this.extensions.authorize) return { status: 'Error', message: `no base_url configured${this.service.baseUrlEnv ? ` (set ${this.service.baseUrlEnv})` : ''}` };
    if (this.service.requiresApiKey && !this.apiKey) return { status: 'Error', message: this.missingKeyMessage() };
    try {
      const authorized = await this.authorized(baseUrl, this.apiKey, this.defaultHeaders, null);
      if (this.service.healthPath === 'health') {
        const response = await undiciRequest(new URL('health', authorized.baseUrl), { method: 'GET', headersTimeout: 5_000, bodyTimeout: 5_000 });
        await response.body.text();
        if (response.statusCode >= 400) return { status: 'Error', message: `GET /health answered ${response.statusCode}` };
      } else if (this.service.healthPath === 'models') {
        await this.modelIds(authorized, { signal: AbortSignal.timeout(5_000) });
      }
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: `health check failed: ${(error as Error).message}` };
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    this.clients.clear();
  }

  private client(baseUrl: string): UpstreamClient {
    let client = this.clients.get(baseUrl);
    if (!client) {
      client = new UpstreamClient({ provider: this.providerId, baseUrl, network: this.settings.network ?? null });
      this.clients.set(baseUrl, client);
    }
    return client;
  }

  private headersFor(apiKey: string | null): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(this.settings.network?.headers ?? {}) };
    // A service with its own authentication (`authorize`) never gets the key as a bearer token.
    if (apiKey && !this.extensions.authorize) headers.authorization = `Bearer ${apiKey}`;
    return headers;
  }

  private missingBaseUrl(): InvalidRequestError {
    const urlField = this.service.providerDataBaseUrlField;
    return new InvalidRequestError(
      `Provider '${this.providerId}' has no base_url: set it in the distribution${this.service.baseUrlEnv ? ` (${this.service.baseUrlEnv})` : ''}${urlField ? ` or pass ${urlField} in X-LlamaStack-Provider-Data` : ''}.`,
    );
  }

  private missingKeyMessage(): string {
    const keyField = this.service.providerDataApiKeyField;
    return `Provider '${this.providerId}' has no API key. Set api_key${this.service.apiKeyEnv ? ` (${this.service.apiKeyEnv})` : ''} in the distribution${keyField ? `, or pass one in the X-LlamaStack-Provider-Data header, e.g. {"${keyField}": "<API_KEY>"}` : ''}.`;
  }

  private checkSupported(operation: 'completions' | 'embeddings'): void {
    if (this.service.unsupported?.includes(operation)) {
      throw new UnsupportedError(`Provider '${this.providerId}' (${this.service.providerType}) does not serve /v1/${operation}${operation === 'completions' ? ': use /v1/chat/completions' : ''}.`);
    }
  }

  /** The upstream, headers and query string of a request once the preset's `authorize` (if any) has had its say. */
  private async authorized(
    baseUrl: string | null,
    apiKey: string | null,
    headers: Record<string, string>,
    providerData: Readonly<Record<string, unknown>> | null,
  ): Promise<{ client: UpstreamClient; headers: Record<string, string>; baseUrl: string; query: string }> {
    let query = '';
    if (this.extensions.authorize) {
      const authorization = await this.extensions.authorize({ apiKey, providerData });
      if (authorization.baseUrl) baseUrl = authorization.baseUrl;
      if (authorization.headers) headers = { ...headers, ...authorization.headers };
      if (authorization.query) query = `?${new URLSearchParams(authorization.query as Record<string, string>).toString()}`;
      if (query === '?') query = '';
    }
    if (!baseUrl) throw this.missingBaseUrl();
    let client: UpstreamClient;
    try {
      client = this.client(baseUrl);
    } catch {
      throw new InvalidRequestError(`Provider '${this.providerId}': '${baseUrl}' is not a valid URL.`);
    }
    return { client, headers, baseUrl, query };
  }

  /** The upstream and headers for a request: the config's, or those the request's provider data names. */
  private target(context: RequestContext): Promise<{ client: UpstreamClient; headers: Record<string, string>; baseUrl: string; query: string }> {
    const data = context.providerData;
    const keyField = this.service.providerDataApiKeyField;
    const urlField = this.service.providerDataBaseUrlField;
    const requestKey = data && keyField ? stringValue(data[keyField]) : null;
    const requestUrl = data && urlField ? stringValue(data[urlField]) : null;
    const baseUrl = requestUrl ?? this.settings.base_url ?? this.service.defaultBaseUrl;
    // Without a base_url only `authorize` can still supply one (a project given per request).
    if (!baseUrl && !this.extensions.authorize) throw this.missingBaseUrl();
    const apiKey = requestKey ?? this.apiKey;
    if (this.service.requiresApiKey && !apiKey) throw new InvalidRequestError(this.missingKeyMessage(), { code: 'missing_provider_api_key' });
    let headers = requestKey ? this.headersFor(requestKey) : this.defaultHeaders;
    const extraHeaders = data ? this.extensions.providerDataHeaders?.(data) : undefined;
    if (extraHeaders) headers = { ...headers, ...extraHeaders };
    return this.authorized(baseUrl, apiKey, headers, data ?? null);
  }

  private async rerankWith(endpoint: 'base' | 'root', request: RerankRequest, context: RequestContext): Promise<RerankResponse> {
    const body = JSON.stringify(rerankRequestBody(request));
    const { client: base, headers, baseUrl, query } = await this.target(context);
    const client = endpoint === 'root' ? this.client(baseUrl.replace(/\/v1\/?$/, '')) : base;
    return rerankResponseOf(this.providerId, await client.json<unknown>('POST', `/rerank${query}`, headers, body, context));
  }

  /** Applies the provider's request defaults and inlines images; returns the request itself when nothing changes. */
  private async prepareChat(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletionRequest> {
    let prepared = this.extensions.prepareChatRequest?.(request) ?? request;
    if (this.service.downloadImages && hasRemoteImage(prepared.messages)) {
      // The request's AbortSignal is made only when an image is fetched: most requests carry none.
      prepared = { ...prepared, messages: await Promise.all(prepared.messages.map((message) => this.inlineImages(message, context))) };
    }
    return prepared;
  }

  private async inlineImages(message: ChatMessage, context: RequestContext): Promise<ChatMessage> {
    if (message.role !== 'user' || !Array.isArray(message.content)) return message;
    const content = await Promise.all(
      message.content.map(async (part) => {
        if (part.type !== 'image_url' || !/^https?:/i.test(part.image_url.url)) return part;
        return { ...part, image_url: { ...part.image_url, url: await this.downloadImage(part.image_url.url, context) } };
      }),
    );
    return { ...message, content };
  }

  private async downloadImage(url: string, context: RequestContext): Promise<string> {
    try {
      const response = await fetch(url, { signal: AbortSignal.any([context.signal, AbortSignal.timeout(30_000)]), redirect: 'follow' });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new Error(`status ${response.status}`);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += chunk.length;
        if (size > MAX_IMAGE_BYTES) throw new Error(`larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB`);
        chunks.push(chunk);
      }
      const type = (response.headers.get('content-type') ?? 'image/png').split(';')[0];
      return `data:${type};base64,${Buffer.concat(chunks).toString('base64')}`;
    } catch (error) {
      (context.logger ?? this.logger).debug('image download failed', { url, error: (error as Error).message });
      throw new InvalidRequestError(`Could not download the image at ${url}: ${(error as Error).message}`, { param: 'messages' });
    }
  }
}

function stringValue(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function hasRemoteImage(messages: readonly ChatMessage[]): boolean {
  return messages.some((message) => message.role === 'user' && Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url' && /^https?:/i.test(part.image_url.url)));
}
