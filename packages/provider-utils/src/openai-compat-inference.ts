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
    const { client, headers } = this.target(context);
    const body = JSON.stringify(await this.prepareChat(request, context));
    return checkShape(this.providerId, await client.json<ChatCompletion>('POST', '/chat/completions', headers, body, context), 'chat completion');
  }

  async streamChatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    const { client, headers } = this.target(context);
    const body = JSON.stringify({ ...(await this.prepareChat(request, context)), stream: true });
    return client.stream<ChatCompletionChunk>('/chat/completions', headers, body, context.signal, isChatChunkFinal);
  }

  async completion(request: CompletionRequest, context: RequestContext): Promise<Completion> {
    const { client, headers } = this.target(context);
    return checkShape(this.providerId, await client.json<Completion>('POST', '/completions', headers, JSON.stringify(request), context), 'completion');
  }

  async streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>> {
    const { client, headers } = this.target(context);
    return client.stream<Completion>('/completions', headers, JSON.stringify({ ...request, stream: true }), context.signal, isCompletionChunkFinal);
  }

  async embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse> {
    const { client, headers } = this.target(context);
    // Ask for floats whatever the client wants: not every service encodes base64.
    const base64 = request.encoding_format === 'base64';
    const response = await client.json<EmbeddingsResponse>('POST', '/embeddings', headers, JSON.stringify({ ...request, encoding_format: 'float' }), context);
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
    const baseUrl = this.settings.base_url ?? this.service.defaultBaseUrl;
    if (!baseUrl) return undefined;
    if (this.service.requiresApiKey && !this.apiKey) return undefined;
    const ids = await this.modelIds(baseUrl, undefined);
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
  private async modelIds(baseUrl: string, abort: { signal: AbortSignal } | undefined): Promise<string[]> {
    const modelList = this.extensions.modelList;
    if (!modelList) {
      const reply = await this.client(baseUrl).json<{ data?: { id?: unknown }[] }>('GET', '/models', this.defaultHeaders, undefined, abort);
      return (reply?.data ?? []).map((model) => model?.id).filter((id): id is string => typeof id === 'string');
    }
    const url = new URL(modelList.url(baseUrl));
    const reply = await this.client(url.origin).json<unknown>('GET', `${url.pathname}${url.search}`, this.defaultHeaders, undefined, abort);
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
    if (!baseUrl) return { status: 'Error', message: 'no base_url configured' };
    if (this.service.requiresApiKey && !this.apiKey) {
      const where = this.service.apiKeyEnv ? `api_key (${this.service.apiKeyEnv})` : 'api_key';
      const perRequest = this.service.providerDataApiKeyField ? `; requests may pass ${this.service.providerDataApiKeyField} in X-LlamaStack-Provider-Data` : '';
      return { status: 'Error', message: `no API key: set ${where}${perRequest}` };
    }
    try {
      if (this.service.healthPath === 'health') {
        const response = await undiciRequest(new URL('health', baseUrl), { method: 'GET', headersTimeout: 5_000, bodyTimeout: 5_000 });
        await response.body.text();
        if (response.statusCode >= 400) return { status: 'Error', message: `GET /health answered ${response.statusCode}` };
      } else {
        await this.modelIds(baseUrl, { signal: AbortSignal.timeout(5_000) });
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
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    return headers;
  }

  /** The upstream and headers for a request: the config's, or those the request's provider data names. */
  private target(context: RequestContext): { client: UpstreamClient; headers: Record<string, string>; baseUrl: string } {
    const data = context.providerData;
    const keyField = this.service.providerDataApiKeyField;
    const urlField = this.service.providerDataBaseUrlField;
    const requestKey = data && keyField ? stringValue(data[keyField]) : null;
    const requestUrl = data && urlField ? stringValue(data[urlField]) : null;
    const baseUrl = requestUrl ?? this.settings.base_url ?? this.service.defaultBaseUrl;
    if (!baseUrl) {
      throw new InvalidRequestError(`Provider '${this.providerId}' has no base_url: set it in the distribution${urlField ? ` or pass ${urlField} in X-LlamaStack-Provider-Data` : ''}.`);
    }
    const apiKey = requestKey ?? this.apiKey;
    if (this.service.requiresApiKey && !apiKey) {
      throw new InvalidRequestError(
        `Provider '${this.providerId}' has no API key. Pass one in the X-LlamaStack-Provider-Data header, e.g. {"${keyField}": "<API_KEY>"}, or set api_key${this.service.apiKeyEnv ? ` (${this.service.apiKeyEnv})` : ''} in the distribution.`,
        { code: 'missing_provider_api_key' },
      );
    }
    let headers = requestKey ? this.headersFor(requestKey) : this.defaultHeaders;
    const extraHeaders = data ? this.extensions.providerDataHeaders?.(data) : undefined;
    if (extraHeaders) headers = { ...headers, ...extraHeaders };
    let client: UpstreamClient;
    try {
      client = this.client(baseUrl);
    } catch {
      throw new InvalidRequestError(`Provider '${this.providerId}': '${baseUrl}' is not a valid URL.`);
    }
    return { client, headers, baseUrl };
  }

  private async rerankWith(endpoint: 'base' | 'root', request: RerankRequest, context: RequestContext): Promise<RerankResponse> {
    const body = JSON.stringify(rerankRequestBody(request));
    const { client: base, headers, baseUrl } = this.target(context);
    const client = endpoint === 'root' ? this.client(baseUrl.replace(/\/v1\/?$/, '')) : base;
    return rerankResponseOf(this.providerId, await client.json<unknown>('POST', '/rerank', headers, body, context));
  }

  /** Applies the provider's request defaults and inlines images; returns the request itself when nothing changes. */
  private async prepareChat(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletionRequest> {
    let prepared = this.extensions.prepareChatRequest?.(request) ?? request;
    if (this.service.downloadImages && hasRemoteImage(prepared.messages)) {
      // Only now is the request's AbortSignal made: most requests carry no image to fetch.
      const signal = context.signal;
      prepared = { ...prepared, messages: await Promise.all(prepared.messages.map((message) => this.inlineImages(message, signal))) };
    }
    return prepared;
  }

  private async inlineImages(message: ChatMessage, signal: AbortSignal): Promise<ChatMessage> {
    if (message.role !== 'user' || !Array.isArray(message.content)) return message;
    const content = await Promise.all(
      message.content.map(async (part) => {
        if (part.type !== 'image_url' || !/^https?:/i.test(part.image_url.url)) return part;
        return { ...part, image_url: { ...part.image_url, url: await this.downloadImage(part.image_url.url, signal) } };
      }),
    );
    return { ...message, content };
  }

  private async downloadImage(url: string, signal: AbortSignal): Promise<string> {
    try {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]), redirect: 'follow' });
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
      this.logger.debug('image download failed', { url, error: (error as Error).message });
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
