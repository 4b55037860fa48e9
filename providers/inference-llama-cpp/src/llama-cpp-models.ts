import { type ModelType, type ProviderContext, type ProviderLogger, UnavailableError } from '@cria/api';
import {
  type ChatWrapper,
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  LlamaLogLevel,
  type LlamaModel,
  type LlamaRankingContext,
  resolveChatWrapper,
} from 'node-llama-cpp';
import { defaultThreads, type LlamaCppSettings } from './llama-cpp-config.js';
import { ResourcePool } from './llama-cpp-pool.js';

let sharedLlama: Promise<Llama> | null = null;
let sharedLlamaKey = '';
/** The providers holding the binding (their contexts); the last to let go disposes it. */
const llamaHolders = new Set<object>();

/**
 * The process's llama.cpp binding, loaded once: the prebuilt binary from npm, never a build from
 * source (that would download llama.cpp). Log lines go to the provider's logger. The provider
 * (`holder`) holds the binding until it calls `releaseLlama`.
 */
export function loadLlama(settings: Pick<LlamaCppSettings, 'gpu'>, holder: Pick<ProviderContext, 'logger'>): Promise<Llama> {
  llamaHolders.add(holder);
  const key = String(settings.gpu);
  if (sharedLlama && sharedLlamaKey === key) return sharedLlama;
  sharedLlamaKey = key;
  const { logger } = holder;
  sharedLlama = getLlama({
    gpu: settings.gpu,
    build: 'never',
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const text = message.trim();
      if (!text) return;
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) logger.error(`llama.cpp: ${text}`);
      else if (level === LlamaLogLevel.warn) logger.debug(`llama.cpp: ${text}`);
    },
    // Threads are set per context; 0 lets a context use exactly what it asks for.
    maxThreads: 0,
  }).catch((error: unknown) => {
    sharedLlama = null;
    throw error;
  });
  return sharedLlama;
}

/**
 * Lets go of the binding; when no provider holds it any more it is disposed now (its models,
 * contexts and native threads), not left to garbage collection while Node tears down.
 */
export async function releaseLlama(holder: object): Promise<void> {
  if (!llamaHolders.delete(holder) || llamaHolders.size > 0 || !sharedLlama) return;
  const llama = await sharedLlama.catch(() => null);
  sharedLlama = null;
  await llama?.dispose();
}

/** A model in memory, with the resources its requests share. */
export interface LoadedModel {
  model: LlamaModel;
  /** Chat models: the context whose sequences serve requests. */
  context: LlamaContext | null;
  chatWrapper: ChatWrapper | null;
  /** Chat models: the sequences. */
  sequences: ResourcePool<LlamaContextSequence> | null;
  embeddings: ResourcePool<LlamaEmbeddingContext> | null;
  /** Rerank models: the ranking contexts. */
  rankings: ResourcePool<LlamaRankingContext> | null;
  /** Tokens one sequence holds. */
  contextSize: number;
}

/** A leased set of sequences of a loaded model; `release` gives them back (once). */
export interface SequenceLease {
  loaded: LoadedModel;
  sequences: LlamaContextSequence[];
  release(): void;
}

export interface EmbeddingLease {
  loaded: LoadedModel;
  embedding: LlamaEmbeddingContext;
  release(): void;
}

export interface RankingLease {
  loaded: LoadedModel;
  ranking: LlamaRankingContext;
  release(): void;
}

/**
 * One registered model file: loaded on first use (once, however many requests arrive
 * together), shared through a queue of sequences, unloaded after `idle_unload_seconds` idle.
 */
export class ModelSlot {
  private loading: Promise<LoadedModel> | null = null;
  /** The model once loaded (null while loading or unloaded). */
  private loaded: LoadedModel | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private active = 0;

  constructor(
    readonly id: string,
    readonly path: string,
    readonly modelType: ModelType,
    private readonly settings: LlamaCppSettings,
    private readonly context: Pick<ProviderContext, 'logger'>,
  ) {}

  private get logger(): ProviderLogger {
    return this.context.logger;
  }

  get isLoaded(): boolean {
    return this.loading !== null;
  }

  /** Requests waiting for a sequence or context of the loaded model (0 when it is not loaded). */
  get waiting(): number {
    const loaded = this.loaded;
    return loaded ? (loaded.sequences?.waiting ?? 0) + (loaded.embeddings?.waiting ?? 0) + (loaded.rankings?.waiting ?? 0) : 0;
  }

  /** The loaded model (loading it if needed). */
  load(): Promise<LoadedModel> {
    clearTimeout(this.idleTimer);
    this.loading ??= this.loadNow().then(
      (loaded) => (this.loaded = loaded),
      (error: unknown) => {
        this.loading = null;
        throw error;
      },
    );
    return this.loading;
  }

  /** Takes `count` sequences of the model; waits in its queue while they are busy. */
  async acquireSequences(count: number, signal: AbortSignal): Promise<SequenceLease> {
    this.active++;
    try {
      const loaded = await this.load();
      const sequences = await loaded.sequences!.acquire(count, signal);
      return { loaded, sequences, release: this.releaser(() => loaded.sequences!.release(sequences)) };
    } catch (error) {
      this.settle();
      throw error;
    }
  }

  async acquireEmbedding(signal: AbortSignal): Promise<EmbeddingLease> {
    this.active++;
    try {
      const loaded = await this.load();
      const [embedding] = await loaded.embeddings!.acquire(1, signal);
      return { loaded, embedding: embedding!, release: this.releaser(() => loaded.embeddings!.release([embedding!])) };
    } catch (error) {
      this.settle();
      throw error;
    }
  }

  async acquireRanking(signal: AbortSignal): Promise<RankingLease> {
    this.active++;
    try {
      const loaded = await this.load();
      const [ranking] = await loaded.rankings!.acquire(1, signal);
      return { loaded, ranking: ranking!, release: this.releaser(() => loaded.rankings!.release([ranking!])) };
    } catch (error) {
      this.settle();
      throw error;
    }
  }

  /** Frees the model's memory now. */
  async unload(): Promise<void> {
    clearTimeout(this.idleTimer);
    const loading = this.loading;
    this.loading = null;
    this.loaded = null;
    if (!loading) return;
    const loaded = await loading.catch(() => null);
    if (!loaded) return;
    const gone = new UnavailableError(`Model '${this.id}' was unloaded; try again.`, { retryAfterSeconds: 1 });
    loaded.sequences?.rejectWaiting(gone);
    loaded.embeddings?.rejectWaiting(gone);
    loaded.rankings?.rejectWaiting(gone);
    await loaded.context?.dispose();
    for (const embedding of loaded.embeddings?.resources ?? []) await embedding.dispose();
    for (const ranking of loaded.rankings?.resources ?? []) await ranking.dispose();
    await loaded.model.dispose();
    this.logger.info('model unloaded', { model: this.id });
  }

  private releaser(give: () => void): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      give();
      this.settle();
    };
  }

  private settle(): void {
    this.active--;
    if (this.active > 0 || this.settings.idle_unload_seconds <= 0 || !this.loading) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.active === 0) void this.unload();
    }, this.settings.idle_unload_seconds * 1000);
    this.idleTimer.unref();
  }

  private async loadNow(): Promise<LoadedModel> {
    const started = Date.now();
    const threads = this.settings.threads ?? defaultThreads();
    let model: LlamaModel;
    try {
      const llama = await loadLlama(this.settings, this.context);
      model = await llama.loadModel({
        modelPath: this.path,
        gpuLayers: this.settings.gpu === false ? 0 : this.settings.gpu_layers,
        checkTensors: this.settings.check_tensors,
      });
    } catch (error) {
      throw new UnavailableError(`Model '${this.id}' could not be loaded from ${this.path}: ${(error as Error).message}`, { code: 'model_load_failed', cause: error });
    }
    const contextSize = Math.min(this.settings.context_size, model.trainContextSize || this.settings.context_size);
    const parallel = this.settings.parallel_sequences;
    const describe = `Model '${this.id}'`;
    try {
      if (this.modelType === 'embedding') {
        const contexts: LlamaEmbeddingContext[] = [];
        // Each embedding context has one sequence; non-causal models need the whole input in one batch.
        for (let index = 0; index < parallel; index++) contexts.push(await model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads }));
        this.logger.info('model loaded', { model: this.id, path: this.path, type: 'embedding', ms: Date.now() - started, threads });
        return { model, context: null, chatWrapper: null, sequences: null, embeddings: new ResourcePool(contexts, this.settings.max_queued_requests, describe), rankings: null, contextSize };
      }
      if (this.modelType === 'rerank') {
        const contexts: LlamaRankingContext[] = [];
        // One sequence each: a query-document pair is evaluated whole, in one batch.
        for (let index = 0; index < parallel; index++) contexts.push(await model.createRankingContext({ contextSize, batchSize: contextSize, threads }));
        this.logger.info('model loaded', { model: this.id, path: this.path, type: 'rerank', ms: Date.now() - started, threads });
        return { model, context: null, chatWrapper: null, sequences: null, embeddings: null, rankings: new ResourcePool(contexts, this.settings.max_queued_requests, describe), contextSize };
      }
      const context = await model.createContext({ contextSize, sequences: parallel, threads, batchSize: Math.min(512, contextSize) });
      const sequences = Array.from({ length: parallel }, () => context.getSequence());
      const chatWrapper = resolveChatWrapper(model);
      this.logger.info('model loaded', { model: this.id, path: this.path, type: 'llm', chat_wrapper: chatWrapper.wrapperName, ms: Date.now() - started, threads, sequences: parallel });
      return { model, context, chatWrapper, sequences: new ResourcePool(sequences, this.settings.max_queued_requests, describe), embeddings: null, rankings: null, contextSize: context.contextSize };
    } catch (error) {
      await model.dispose();
      throw new UnavailableError(`Model '${this.id}' could not get a context of ${contextSize} tokens × ${parallel}: ${(error as Error).message}`, { code: 'model_load_failed', cause: error });
    }
  }
}
