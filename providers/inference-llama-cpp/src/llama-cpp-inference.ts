import { existsSync } from 'node:fs';
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type Completion,
  type CompletionRequest,
  ConfigError,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type InferenceProvider,
  NotFoundError,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderModel,
  type RequestContext,
  type RerankRequest,
  type RerankResponse,
  resolveConfigPath,
  UnavailableError,
} from '@cria/api';
import type { LlamaCppSettings } from './llama-cpp-config.js';
import type { LlamaCppEngine } from './llama-cpp-engine.js';
import { isDownloadable, parseModelSource } from './llama-cpp-model-source.js';
import type { ModelSlot } from './llama-cpp-models.js';

type EngineModule = typeof import('./llama-cpp-engine.js');

/**
 * `inline::llama-cpp`: GGUF models run in this process by node-llama-cpp. Each model is loaded
 * once, on first use; its context has `parallel_sequences` sequences that requests take from a
 * queue and give back as soon as they finish, fail or are cancelled. Chat, completions,
 * embeddings and rerank are done by collaborators that share the registered models.
 */
export class LlamaCppInference implements InferenceProvider, ProviderLifecycle {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly modelsDir: string;
  /** node-llama-cpp and what uses it, imported when a model file is first read. */
  private module: Promise<EngineModule> | undefined;
  private engineInstance: Promise<LlamaCppEngine> | undefined;

  constructor(
    private readonly settings: LlamaCppSettings,
    private readonly context: Pick<ProviderContext, 'providerId' | 'logger' | 'distributionDir' | 'gauges'>,
  ) {
    this.modelsDir = resolveConfigPath(settings.models_dir, context.distributionDir);
    context.gauges?.register({
      name: 'cria_llama_cpp_queue',
      help: 'Requests waiting for a sequence or context of a loaded llama.cpp model, by provider and model.',
      collect: () => [...this.slots.values()].filter((slot) => slot.isLoaded).map((slot) => ({ labels: { provider_id: context.providerId, model: slot.id }, value: slot.waiting })),
    });
  }

  private engineModule(): Promise<EngineModule> {
    return (this.module ??= import('./llama-cpp-engine.js'));
  }

  private engine(): Promise<LlamaCppEngine> {
    return (this.engineInstance ??= this.engineModule().then((engine) => engine.createEngine({ settings: this.settings, context: this.context, slot: (id: string) => this.slot(id) })));
  }

  async registerModel(model: ProviderModel): Promise<Partial<ProviderModel> | void> {
    let source;
    try {
      source = parseModelSource(model.providerModelId, this.modelsDir, this.context.distributionDir);
    } catch (error) {
      throw new ConfigError('', `provider_model_id ${(error as Error).message}`);
    }
    if (!existsSync(source.localPath)) {
      const how = isDownloadable(source)
        ? `download it with \`cria pull ${source.id}\` (into ${this.modelsDir}), or set provider_model_id to the path of a local .gguf file (the starter reads INFERENCE_MODEL and EMBEDDING_MODEL)`
        : `put the .gguf file there, or set provider_model_id to an hf:<owner>/<repo>:<quant> URI and run \`cria pull\` with it`;
      throw new UnavailableError(`model file ${source.localPath} is missing: ${how}.`, { code: 'model_file_missing' });
    }
    const engine = await this.engineModule();
    let info;
    try {
      info = await engine.readModelInfo(source.localPath, { tensors: model.modelType === 'rerank' });
    } catch (error) {
      throw new UnavailableError(`${source.localPath} is not a readable GGUF model (${(error as Error).message}).`, { code: 'model_file_invalid' });
    }
    const trained = info.contextLength ?? this.settings.context_size;
    const metadata: Record<string, unknown> = { context_length: Math.min(trained, this.settings.context_size), path: source.localPath };
    if (model.modelType === 'embedding') {
      if (!info.embeddingLength) throw new UnavailableError(`${source.localPath} declares no embedding length; is it an embedding model?`, { code: 'model_file_invalid' });
      metadata.embedding_dimension = info.embeddingLength;
    }
    if (model.modelType === 'rerank' && !info.hasRankHead) {
      throw new ConfigError('', `${source.localPath} has no classification head (cls.weight or cls.output.weight), so llama.cpp cannot rank with it: register a reranker GGUF (a Qwen3 or bge reranker) as model_type rerank`);
    }
    const slot = engine.createModelSlot(model.providerModelId, source.localPath, model.modelType, this.settings, this.context);
    this.slots.set(model.providerModelId, slot);
    if (this.settings.preload) await slot.load();
    return { metadata };
  }

  async chatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletion> {
    return (await this.engine()).chat.chatCompletion(request, context);
  }

  async streamChatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    return (await this.engine()).chat.streamChatCompletion(request, context);
  }

  async completion(request: CompletionRequest, context: RequestContext): Promise<Completion> {
    return (await this.engine()).completions.completion(request, context);
  }

  async streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>> {
    return (await this.engine()).completions.streamCompletion(request, context);
  }

  async embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse> {
    return (await this.engine()).embedder.embeddings(request, context);
  }

  async rerank(request: RerankRequest, context: RequestContext): Promise<RerankResponse> {
    return (await this.engine()).reranker.rerank(request, context);
  }

  async listModels(): Promise<ProviderModel[] | undefined> {
    return undefined;
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      const backend = await (await this.engineModule()).llamaBackend(this.settings, this.context);
      return { status: 'OK', message: `llama.cpp ${backend} backend` };
    } catch (error) {
      return { status: 'Error', message: `llama.cpp binding failed to load: ${(error as Error).message}` };
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.slots.values()].map((slot) => slot.unload()));
    if (this.module) await (await this.module).releaseLlama(this.context);
  }

  /** A registered model's slot. */
  private slot(id: string): ModelSlot {
    const slot = this.slots.get(id);
    if (!slot) throw new NotFoundError('model', id, `Model '${id}' is not registered with ${this.context.providerId}: add it to the distribution's registered_resources.models.`, { param: 'model', code: 'model_not_found' });
    return slot;
  }
}
