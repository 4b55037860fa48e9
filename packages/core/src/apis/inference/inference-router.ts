import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionList,
  type ChatCompletionMessageList,
  type ChatCompletionRequest,
  type Completion,
  type CompletionRequest,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type InferenceApi,
  InvalidRequestError,
  type ListChatCompletionMessagesQuery,
  type ListChatCompletionsQuery,
  type ModelRoute,
  type ModelsApi,
  type RequestContext,
  type RerankRequest,
  type RerankResponse,
  type StoredChatCompletion,
  type TraceContext,
  UpstreamError,
} from '@cria/api';
import type { Attributes, Span } from '@opentelemetry/api';
import { inSpan, isTraced, NEVER_ABORTED, streamInSpan } from '../../tracing.js';
import { ChatCompletionAccumulator } from './chat-completion-accumulator.js';
import { conformChatCompletion, conformChatCompletionChunk, conformCompletion, conformEmbeddings } from './inference-replies.js';
import type { InferenceStore } from './inference-store.js';

/**
 * Span names of model calls (`chat <model>`), made once per operation and model: a name built per
 * request is a new string, which the span encoder flattens and compares by content.
 */
const modelCallNames = { chat: new Map<string, string>(), text_completion: new Map<string, string>(), embeddings: new Map<string, string>() };

function modelCallName(operation: keyof typeof modelCallNames, model: string): string {
  const names = modelCallNames[operation];
  let name = names.get(model);
  if (name === undefined) {
    name = `${operation} ${model}`;
    // The models are the routed ones (registered or listed); a bound all the same.
    if (names.size < 1024) names.set(model, name);
  }
  return name;
}

/** OpenTelemetry's GenAI attributes of a model call. */
function modelCallAttributes(operation: string, model: ModelRoute, request: { max_tokens?: number | null; temperature?: number | null; top_p?: number | null; stream?: boolean | null }): Attributes {
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': model.providerId,
    'gen_ai.request.model': model.identifier,
    'cria.provider_resource_id': model.providerResourceId,
    'cria.streaming': request.stream === true,
  };
  if (typeof request.max_tokens === 'number') attributes['gen_ai.request.max_tokens'] = request.max_tokens;
  if (typeof request.temperature === 'number') attributes['gen_ai.request.temperature'] = request.temperature;
  if (typeof request.top_p === 'number') attributes['gen_ai.request.top_p'] = request.top_p;
  return attributes;
}

/** The reply's model, id and token usage, as GenAI attributes. */
function describeReply(span: Span, reply: { id?: string; model?: string; usage?: { prompt_tokens?: number; completion_tokens?: number } | null; choices?: readonly { finish_reason?: string | null }[] }): void {
  if (reply.id) span.setAttribute('gen_ai.response.id', reply.id);
  if (reply.model) span.setAttribute('gen_ai.response.model', reply.model);
  if (reply.usage?.prompt_tokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', reply.usage.prompt_tokens);
  if (reply.usage?.completion_tokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', reply.usage.completion_tokens);
  const choices = reply.choices;
  if (!choices?.length) return;
  const only = choices.length === 1 ? choices[0]!.finish_reason : undefined;
  const reasons = typeof only === 'string' ? finishReasonsOf(only) : choices.map((choice) => choice.finish_reason).filter((reason): reason is string => typeof reason === 'string');
  if (reasons.length) span.setAttribute('gen_ai.response.finish_reasons', reasons as string[]);
}

/**
 * The frozen one-element array of a finish reason, made once per reason: the tracer keeps a frozen
 * array as it is rather than copying it, so a reply with one choice allocates nothing here.
 */
const finishReasonArrays = new Map<string, readonly string[]>();

function finishReasonsOf(reason: string): readonly string[] {
  let reasons = finishReasonArrays.get(reason);
  if (reasons === undefined) {
    reasons = Object.freeze([reason]);
    // OpenAI's reasons are a handful; a provider's own are bounded all the same.
    if (finishReasonArrays.size < 64) finishReasonArrays.set(reason, reasons);
  }
  return reasons;
}

function fullContext(context: Partial<RequestContext> | undefined): RequestContext {
  // A complete context is passed on as it is: reading `signal` may create it.
  if (context && 'signal' in context && 'providerData' in context) return context as RequestContext;
  return { signal: context?.signal ?? NEVER_ABORTED, providerData: context?.providerData ?? null };
}

/**
 * Routes inference requests: resolves the model through the routing table, sends the provider
 * its own model id, names the model by its identifier in what comes back, puts replies in
 * OpenAI's published shape (inference-replies.ts), and records chat completions in the
 * inference store (off the request's path).
 */
export class InferenceRouter implements InferenceApi {
  constructor(
    private readonly models: ModelsApi,
    private readonly store: InferenceStore | null,
  ) {}

  async start(): Promise<void> {
    await this.store?.initialize();
  }

  async close(): Promise<void> {
    await this.store?.close();
  }

  async chatCompletion(request: ChatCompletionRequest, context?: Partial<RequestContext>): Promise<ChatCompletion> {
    const model = await this.route(request.model, 'llm', 'chat completion', context);
    const providerRequest = { ...request, model: model.providerResourceId };
    const reply = isTraced(context)
      ? await inSpan(context, modelCallName('chat', model.identifier), modelCallAttributes('chat', model, request), (spanContext) => model.provider.chatCompletion(providerRequest, spanContext), describeReply)
      : await model.provider.chatCompletion(providerRequest, fullContext(context));
    const completion = conformChatCompletion(reply);
    completion.model = model.identifier;
    if (this.store && request.store !== false) this.store.record(completion, request.messages, context?.traceContext);
    return completion;
  }

  async streamChatCompletion(request: ChatCompletionRequest, context?: Partial<RequestContext>): Promise<AsyncIterable<ChatCompletionChunk>> {
    const model = await this.route(request.model, 'llm', 'chat completion', context);
    const providerRequest = { ...request, model: model.providerResourceId };
    const stream = isTraced(context)
      ? await streamInSpan(context, modelCallName('chat', model.identifier), modelCallAttributes('chat', model, request), (spanContext) => model.provider.streamChatCompletion(providerRequest, spanContext), describeReply)
      : await model.provider.streamChatCompletion(providerRequest, fullContext(context));
    return this.tapChatStream(stream, model.identifier, request, context?.traceContext);
  }

  async completion(request: CompletionRequest, context?: Partial<RequestContext>): Promise<Completion> {
    const model = await this.route(request.model, 'llm', 'completion', context);
    const providerRequest = { ...request, model: model.providerResourceId };
    const reply = isTraced(context)
      ? await inSpan(context, modelCallName('text_completion', model.identifier), modelCallAttributes('text_completion', model, request), (spanContext) => model.provider.completion(providerRequest, spanContext), describeReply)
      : await model.provider.completion(providerRequest, fullContext(context));
    const completion = conformCompletion(reply);
    completion.model = model.identifier;
    return completion;
  }

  async streamCompletion(request: CompletionRequest, context?: Partial<RequestContext>): Promise<AsyncIterable<Completion>> {
    const model = await this.route(request.model, 'llm', 'completion', context);
    const providerRequest = { ...request, model: model.providerResourceId };
    const stream = isTraced(context)
      ? await streamInSpan(context, modelCallName('text_completion', model.identifier), modelCallAttributes('text_completion', model, request), (spanContext) => model.provider.streamCompletion(providerRequest, spanContext), describeReply)
      : await model.provider.streamCompletion(providerRequest, fullContext(context));
    return renameModel(stream, model.identifier);
  }

  async embeddings(request: EmbeddingsRequest, context?: Partial<RequestContext>): Promise<EmbeddingsResponse> {
    const model = await this.route(request.model, 'embedding', 'embeddings', context);
    const providerRequest = { ...request, model: model.providerResourceId };
    const reply = isTraced(context)
      ? await inSpan(context, modelCallName('embeddings', model.identifier), modelCallAttributes('embeddings', model, {}), (spanContext) => model.provider.embeddings(providerRequest, spanContext), (span, result) => {
          if (result.usage?.prompt_tokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', result.usage.prompt_tokens);
        })
      : await model.provider.embeddings(providerRequest, fullContext(context));
    const response = conformEmbeddings(reply);
    response.model = model.identifier;
    return response;
  }

  async rerank(request: RerankRequest, context?: Partial<RequestContext>): Promise<RerankResponse> {
    const model = await this.models.routeModel(request.model, 'rerank', 'rerank');
    if (!model.provider.rerank) {
      throw new InvalidRequestError(`Model '${request.model}' is served by provider '${model.providerId}', which cannot rerank.`, { param: 'model' });
    }
    const response = await model.provider.rerank({ ...request, model: model.providerResourceId }, fullContext(context));
    return { data: conformRerank(model.providerId, response, request) };
  }

  async listChatCompletions(query: ListChatCompletionsQuery): Promise<ChatCompletionList> {
    const list = await this.requireStore().list(query);
    // Kept as they came (earlier releases stored upstream replies unchanged).
    list.data.forEach(conformChatCompletion);
    return list;
  }

  async getChatCompletion(completionId: string): Promise<StoredChatCompletion> {
    return conformChatCompletion(await this.requireStore().get(completionId)) as StoredChatCompletion;
  }

  listChatCompletionMessages(completionId: string, query: ListChatCompletionMessagesQuery): Promise<ChatCompletionMessageList> {
    return this.requireStore().listMessages(completionId, query);
  }

  /** The model for a request, through the routing table (in a span of its own when traced). */
  private route(model: string, type: 'llm' | 'embedding', operation: string, context: Partial<RequestContext> | undefined): Promise<ModelRoute> {
    if (!isTraced(context)) return this.models.routeModel(model, type, operation);
    return inSpan(context, 'route model', { 'cria.operation': operation, 'gen_ai.request.model': model }, () => this.models.routeModel(model, type, operation), (span, route) => {
      span.setAttribute('gen_ai.provider.name', route.providerId);
      span.setAttribute('cria.provider_resource_id', route.providerResourceId);
    });
  }

  private requireStore(): InferenceStore {
    if (!this.store) throw new InvalidRequestError('This distribution keeps no chat completions: it has no storage.stores.inference.');
    return this.store;
  }

  private async *tapChatStream(stream: AsyncIterable<ChatCompletionChunk>, identifier: string, request: ChatCompletionRequest, traceContext: TraceContext | undefined): AsyncIterable<ChatCompletionChunk> {
    const accumulator = this.store && request.store !== false ? new ChatCompletionAccumulator() : null;
    for await (const chunk of stream) {
      conformChatCompletionChunk(chunk).model = identifier;
      accumulator?.add(chunk);
      yield chunk;
    }
    if (accumulator) this.store!.record(accumulator.completion(), request.messages, traceContext);
  }
}

async function* renameModel(stream: AsyncIterable<Completion>, identifier: string): AsyncIterable<Completion> {
  for await (const chunk of stream) {
    conformCompletion(chunk).model = identifier;
    yield chunk;
  }
}

/** The provider's results checked, most relevant first, cut to max_num_results. */
function conformRerank(providerId: string, response: RerankResponse, request: RerankRequest): RerankResponse['data'] {
  const results = response?.data;
  if (!Array.isArray(results)) throw new UpstreamError(providerId, `${providerId} answered the rerank request with an unexpected body (no data)`, { status: null });
  for (const result of results) {
    if (!Number.isInteger(result?.index) || result.index < 0 || result.index >= request.items.length || typeof result.relevance_score !== 'number' || Number.isNaN(result.relevance_score)) {
      throw new UpstreamError(providerId, `${providerId} answered the rerank request with an invalid result (${JSON.stringify(result)})`, { status: null });
    }
  }
  const sorted = results.map(({ index, relevance_score }) => ({ index, relevance_score })).sort((left, right) => right.relevance_score - left.relevance_score);
  return request.max_num_results ? sorted.slice(0, request.max_num_results) : sorted;
}
