import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  ChatCompletionList,
  ChatCompletionMessageList,
  ListChatCompletionMessagesQuery,
  ListChatCompletionsQuery,
  Model,
  ModelList,
  StoredChatCompletion,
  ModelType,
  RerankRequest,
  RerankResponse,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/** A model a provider serves, as it reports it. */
export interface ProviderModel {
  /** The model's id at the provider (sent upstream as `model`). */
  providerModelId: string;
  modelType: ModelType;
  /** For embedding models: `embedding_dimension` (required by vector stores), `context_length`. */
  metadata?: Record<string, unknown>;
  /**
   * From `listModels`: why the model cannot serve now and how to fix it (its files are not
   * downloaded yet, say). It is listed with status `unavailable` and this message, and requests
   * to it answer 503 with it.
   */
  unavailable?: string;
}

/**
 * What an inference provider implements. Requests arrive with `model` already rewritten to the
 * provider's own model id; the router rewrites it back in what the provider returns.
 * Streams are async iterables; a provider stops producing (and frees its upstream) when
 * `context.signal` aborts.
 */
export interface InferenceProvider {
  chatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletion>;
  streamChatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<AsyncIterable<ChatCompletionChunk>>;
  completion(request: CompletionRequest, context: RequestContext): Promise<Completion>;
  streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>>;
  embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse>;
  /**
   * Scores each item's relevance to the query with a model of type `rerank`; results may come in
   * any order and need not honour `max_num_results` (the router sorts and cuts them). Providers
   * that cannot rank leave it out: the router then answers 400 naming `model`. A provider that
   * cannot rank an item (an image) throws InvalidRequestError naming it (`items[i]`, `query`).
   */
  rerank?(request: RerankRequest, context: RequestContext): Promise<RerankResponse>;
  /**
   * The models the provider serves now; `undefined` when it cannot list them (then only the
   * distribution's registered models are routed to it).
   */
  listModels?(context?: RequestContext): Promise<ProviderModel[] | undefined>;
  /** Whether the model list should be fetched again periodically (`refresh_models`). */
  shouldRefreshModels?(): boolean;
  /**
   * Called for each model the distribution registers with this provider, before it is routed.
   * Return metadata learned on the way (an embedding model's dimension, say). Throw
   * UnavailableError when the model cannot be served now but the server should start anyway
   * (a model file not downloaded yet): the model is listed with the message and requests to it
   * answer 503 with it. Any other error stops the server at start-up.
   */
  registerModel?(model: ProviderModel): Promise<Partial<ProviderModel> | void>;
}

/**
 * The inference API as routes and other APIs see it: requests name models by the identifiers
 * this server lists, as a client would. Chat completions are kept (unless `store: false`) and
 * can be listed back.
 */
export interface InferenceApi {
  chatCompletion(request: ChatCompletionRequest, context?: Partial<RequestContext>): Promise<ChatCompletion>;
  streamChatCompletion(request: ChatCompletionRequest, context?: Partial<RequestContext>): Promise<AsyncIterable<ChatCompletionChunk>>;
  completion(request: CompletionRequest, context?: Partial<RequestContext>): Promise<Completion>;
  streamCompletion(request: CompletionRequest, context?: Partial<RequestContext>): Promise<AsyncIterable<Completion>>;
  embeddings(request: EmbeddingsRequest, context?: Partial<RequestContext>): Promise<EmbeddingsResponse>;
  /**
   * Llama Stack's rerank: the items by relevance to the query, most relevant first, at most
   * `max_num_results`. InvalidRequestError naming `model` when it is not a rerank model or its
   * provider cannot rank.
   */
  rerank(request: RerankRequest, context?: Partial<RequestContext>): Promise<RerankResponse>;
  /** Stored chat completions; throws InvalidRequestError when the distribution keeps none. */
  listChatCompletions(query: ListChatCompletionsQuery): Promise<ChatCompletionList>;
  getChatCompletion(completionId: string): Promise<StoredChatCompletion>;
  listChatCompletionMessages(completionId: string, query: ListChatCompletionMessagesQuery): Promise<ChatCompletionMessageList>;
}

/**
 * Llama Stack's models API: the models this server routes, by identifier (`provider_id/model_id`)
 * or alias. Lookups wait for the start-up listing of provider models.
 */
export interface ModelsApi {
  listModels(context?: Partial<RequestContext>): Promise<ModelList>;
  /** Throws NotFoundError (param `model_id`) for an unknown model. */
  getModel(modelId: string): Promise<Model>;
  /**
   * Where to send an operation on `model`: its provider and the provider's id for it. Throws
   * NotFoundError for an unknown model, UnavailableError for one that cannot serve now, and
   * InvalidRequestError naming `model` when its type is not `type`.
   */
  routeModel(model: string, type: ModelType, operation: string): Promise<ModelRoute>;
}

/** A model resolved for a request. */
export interface ModelRoute {
  /** The id clients use (`provider_id/model_id`), to name the model in replies. */
  identifier: string;
  providerId: string;
  /** The id sent to the provider. */
  providerResourceId: string;
  provider: InferenceProvider;
}
