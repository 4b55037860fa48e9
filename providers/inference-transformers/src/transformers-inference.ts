import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type Completion,
  ConfigError,
  type EmbeddingsResponse,
  type InferenceProvider,
  InvalidRequestError,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderModel,
  type RequestContext,
  type RerankRequest,
  type RerankResponse,
  resolveConfigPath,
  UnavailableError,
} from '@cria/api';
import { DEFAULT_MODELS_DIR, type TransformersSettings } from './transformers-config.js';
import { howToAddModel, isGgufModel, KNOWN_RERANK_MODELS, modelFolder } from './transformers-models.js';
import { loadReranker, missingModelFiles, type Reranker, rerankerKind } from './transformers-reranker.js';

/** The text of a rerank query or item; these rerankers read text only. */
function rerankText(value: RerankRequest['query'], param: string): string {
  if (typeof value === 'string') return value;
  if ('text' in value && typeof value.text === 'string') return value.text;
  throw new InvalidRequestError(`${param} is an image; inline::transformers rerankers rank text only.`, { param });
}

type LlamaCppRanker = InferenceProvider & ProviderLifecycle;

/**
 * `inline::transformers`: reranking in this process by transformers.js on onnxruntime-node, with
 * cross-encoders or Qwen3-style yes/no rerankers exported to ONNX. Models are folders under the
 * models directory, loaded on first use and kept. A model whose folder is missing is listed
 * unavailable with how to add it; requests to it answer 503. A registered GGUF reranker is handed
 * to an `inline::llama-cpp` provider of its own (llama.cpp's ranking context).
 */
export class TransformersInference implements InferenceProvider, ProviderLifecycle {
  readonly modelsDir: string;
  private readonly rerankers = new Map<string, Promise<Reranker>>();
  private readonly registered = new Set<string>();
  /** GGUF rerankers registered with the llama.cpp provider. */
  private readonly ggufModels = new Set<string>();
  private llamaCppProvider: Promise<LlamaCppRanker> | undefined;

  constructor(
    readonly settings: TransformersSettings,
    private readonly context: Pick<ProviderContext, 'providerId' | 'logger' | 'distributionDir'>,
    environment: NodeJS.ProcessEnv = process.env,
  ) {
    this.modelsDir = resolveConfigPath(settings.models_dir || environment.CRIA_MODELS_DIR || DEFAULT_MODELS_DIR, context.distributionDir);
  }

  async listModels(): Promise<ProviderModel[]> {
    return KNOWN_RERANK_MODELS.map((id) => {
      const unavailable = this.unavailableReason(id);
      return { providerModelId: id, modelType: 'rerank', ...(unavailable ? { unavailable } : {}) };
    });
  }

  shouldRefreshModels(): boolean {
    return false;
  }

  async registerModel(model: ProviderModel): Promise<Partial<ProviderModel> | void> {
    if (model.modelType !== 'rerank') throw new ConfigError('', `inline::transformers serves rerank models only; model '${model.providerModelId}' is registered as ${model.modelType}`);
    if (isGgufModel(model.providerModelId)) {
      const learned = await (await this.llamaCpp()).registerModel!(model);
      this.ggufModels.add(model.providerModelId);
      return learned;
    }
    if (!modelFolder(this.modelsDir, model.providerModelId)) throw new ConfigError('', `provider_model_id '${model.providerModelId}' leaves the models directory ${this.modelsDir}`);
    this.registered.add(model.providerModelId);
    const unavailable = this.unavailableReason(model.providerModelId);
    if (unavailable) throw new UnavailableError(unavailable, { code: 'model_file_missing' });
  }

  async rerank(request: RerankRequest, context: RequestContext): Promise<RerankResponse> {
    const query = rerankText(request.query, 'query');
    const items = request.items.map((item, index) => rerankText(item, `items[${index}]`));
    if (items.length === 0) return { data: [] };
    if (isGgufModel(request.model)) return (await this.llamaCpp()).rerank!(request, context);
    const reranker = await this.reranker(request.model);
    let scores;
    try {
      scores = await reranker.score(query, items, context.signal);
    } catch (error) {
      if (context.signal.aborted) throw error;
      throw new UnavailableError(`Reranker ${request.model} failed to run: ${(error as Error).message}`, { code: 'model_failed', cause: error });
    }
    return { data: scores.map((relevance_score, index) => ({ index, relevance_score })) };
  }

  async embeddings(): Promise<EmbeddingsResponse> {
    throw this.rerankOnly('embeddings');
  }

  async chatCompletion(): Promise<ChatCompletion> {
    throw this.rerankOnly('chat completions');
  }

  async streamChatCompletion(): Promise<AsyncIterable<ChatCompletionChunk>> {
    throw this.rerankOnly('chat completions');
  }

  async completion(): Promise<Completion> {
    throw this.rerankOnly('completions');
  }

  async streamCompletion(): Promise<AsyncIterable<Completion>> {
    throw this.rerankOnly('completions');
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    const ids = [...new Set([...KNOWN_RERANK_MODELS, ...this.registered])];
    const present = [...ids.filter((id) => !this.unavailableReason(id)), ...this.ggufModels];
    if (present.length === 0) return { status: 'Error', message: `no reranker in ${this.modelsDir}: ${this.unavailableReason(ids[0]!)}` };
    try {
      const { loadTransformers } = await import('@cria/transformers-runtime');
      await loadTransformers();
    } catch (error) {
      return { status: 'Error', message: `transformers.js (onnxruntime-node) failed to load: ${(error as Error).message}` };
    }
    return { status: 'OK', message: `rerankers in ${this.modelsDir}: ${present.join(', ')}` };
  }

  async shutdown(): Promise<void> {
    const loaded = await Promise.allSettled(this.rerankers.values());
    this.rerankers.clear();
    await Promise.all(loaded.map((result) => (result.status === 'fulfilled' ? result.value.dispose() : undefined)));
    if (this.llamaCppProvider) await (await this.llamaCppProvider).shutdown?.();
  }

  /** The llama.cpp provider GGUF rerankers go to: its defaults, this provider's models folder. */
  private llamaCpp(): Promise<LlamaCppRanker> {
    return (this.llamaCppProvider ??= import('@cria/provider-inference-llama-cpp').then(({ default: llamaCpp, LlamaCppInference }) => {
      const settings: Record<string, unknown> = { models_dir: this.modelsDir };
      if (!llamaCpp.configValidator?.(settings)) throw new ConfigError('', 'the llama.cpp settings for GGUF rerankers do not validate');
      return new LlamaCppInference(settings as unknown as ConstructorParameters<typeof LlamaCppInference>[0], this.context);
    }));
  }

  /** Why model `id` cannot rank now (its files are missing or it is no reranker), or null. */
  private unavailableReason(id: string): string | null {
    const folder = this.folder(id);
    const missing = missingModelFiles(folder);
    if (missing.length) return `reranker ${id} is missing from ${folder} (no ${missing.join(', ')}): ${howToAddModel(id, folder)}.`;
    try {
      rerankerKind(folder);
    } catch (error) {
      return `${folder} is not a reranker this provider runs: ${(error as Error).message}.`;
    }
    return null;
  }

  private folder(id: string): string {
    const folder = modelFolder(this.modelsDir, id);
    if (!folder) throw new InvalidRequestError(`Model id '${id}' leaves the models directory.`, { param: 'model' });
    return folder;
  }

  private reranker(id: string): Promise<Reranker> {
    let reranker = this.rerankers.get(id);
    if (!reranker) {
      const unavailable = this.unavailableReason(id);
      if (unavailable) return Promise.reject(new UnavailableError(unavailable, { code: 'model_file_missing' }));
      const folder = this.folder(id);
      reranker = loadReranker(folder).catch((error: unknown) => {
        this.rerankers.delete(id);
        throw new UnavailableError(`reranker ${id} in ${folder} failed to load: ${(error as Error).message}`, { code: 'model_file_invalid', cause: error });
      });
      this.rerankers.set(id, reranker);
      this.context.logger.info('loading reranker', { model: id, folder });
    }
    return reranker;
  }

  private rerankOnly(what: string): InvalidRequestError {
    return new InvalidRequestError(`inline::transformers (${this.context.providerId}) serves reranking only, not ${what}.`, { param: 'model' });
  }
}
