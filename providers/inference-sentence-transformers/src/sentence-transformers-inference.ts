import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type Completion,
  ConfigError,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type InferenceProvider,
  InvalidRequestError,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderModel,
  type RequestContext,
  resolveConfigPath,
  UnavailableError,
} from '@cria/api';
import { DEFAULT_MODELS_DIR, type SentenceTransformersSettings } from './sentence-transformers-config.js';
import { loadSentenceEncoder, missingModelFiles, readSentencePipeline, type SentenceEncoder } from './sentence-transformers-encoder.js';
import { howToAddModel, KNOWN_EMBEDDING_MODELS, modelFolder } from './sentence-transformers-models.js';

/**
 * `inline::sentence-transformers`: embeddings computed in this process by transformers.js on
 * onnxruntime-node, pooled and normalized as sentence-transformers does for the model. Models are
 * folders under the models directory, loaded on first use and kept. A model whose folder is
 * missing is listed unavailable with the command that adds it; requests to it answer 503.
 */
export class SentenceTransformersInference implements InferenceProvider, ProviderLifecycle {
  readonly modelsDir: string;
  private readonly encoders = new Map<string, Promise<SentenceEncoder>>();
  /** Models the distribution registered beyond the known ones. */
  private readonly registered = new Set<string>();

  constructor(
    readonly settings: SentenceTransformersSettings,
    private readonly context: Pick<ProviderContext, 'providerId' | 'logger' | 'distributionDir'>,
    environment: NodeJS.ProcessEnv = process.env,
  ) {
    this.modelsDir = resolveConfigPath(settings.models_dir || environment.CRIA_MODELS_DIR || DEFAULT_MODELS_DIR, context.distributionDir);
  }

  async listModels(): Promise<ProviderModel[]> {
    return KNOWN_EMBEDDING_MODELS.map((model) => {
      const missing = this.missingModel(model.id);
      return { providerModelId: model.id, modelType: 'embedding', metadata: { embedding_dimension: model.dimension }, ...(missing ? { unavailable: missing.message } : {}) };
    });
  }

  shouldRefreshModels(): boolean {
    return false;
  }

  async registerModel(model: ProviderModel): Promise<Partial<ProviderModel> | void> {
    if (model.modelType !== 'embedding') throw new ConfigError('', `inline::sentence-transformers serves embedding models only; model '${model.providerModelId}' is registered as ${model.modelType}`);
    if (!modelFolder(this.modelsDir, model.providerModelId)) throw new ConfigError('', `provider_model_id '${model.providerModelId}' leaves the models directory ${this.modelsDir}`);
    this.registered.add(model.providerModelId);
    const missing = this.missingModel(model.providerModelId);
    if (missing) throw missing;
    return { metadata: { embedding_dimension: this.dimensionFromFiles(model.providerModelId) } };
  }

  async embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse> {
    const texts = typeof request.input === 'string' ? [request.input] : request.input;
    if (!Array.isArray(texts) || texts.length === 0) throw new InvalidRequestError('input must be a string or a non-empty list of strings.', { param: 'input' });
    if (texts.some((text) => typeof text !== 'string')) throw new InvalidRequestError('inline::sentence-transformers embeds text only; input holds token ids.', { param: 'input' });
    const encoder = await this.encoder(request.model);
    if (request.dimensions != null && request.dimensions !== encoder.dimension) {
      throw new InvalidRequestError(`Model '${request.model}' gives ${encoder.dimension}-dimensional embeddings; dimensions ${request.dimensions} is not supported.`, { param: 'dimensions' });
    }
    let encoded;
    try {
      encoded = await encoder.encode(texts as string[], context.signal);
    } catch (error) {
      if (context.signal.aborted) throw error;
      throw new UnavailableError(`Embedding model ${request.model} failed to run: ${(error as Error).message}`, { code: 'model_failed', cause: error });
    }
    return {
      object: 'list',
      data: encoded.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: request.encoding_format === 'base64' ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector),
      })),
      model: request.model,
      usage: { prompt_tokens: encoded.tokens, total_tokens: encoded.tokens },
    };
  }

  async chatCompletion(): Promise<ChatCompletion> {
    throw this.embeddingsOnly('chat completions');
  }

  async streamChatCompletion(): Promise<AsyncIterable<ChatCompletionChunk>> {
    throw this.embeddingsOnly('chat completions');
  }

  async completion(): Promise<Completion> {
    throw this.embeddingsOnly('completions');
  }

  async streamCompletion(): Promise<AsyncIterable<Completion>> {
    throw this.embeddingsOnly('completions');
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    const ids = [...new Set([...KNOWN_EMBEDDING_MODELS.map((model) => model.id), ...this.registered])];
    const present = ids.filter((id) => !this.missingModel(id));
    if (present.length === 0) return { status: 'Error', message: `no embedding model in ${this.modelsDir}: ${this.missingModel(ids[0]!)!.message}` };
    try {
      const { loadTransformers } = await import('@cria/transformers-runtime');
      await loadTransformers();
    } catch (error) {
      return { status: 'Error', message: `transformers.js (onnxruntime-node) failed to load: ${(error as Error).message}` };
    }
    return { status: 'OK', message: `models in ${this.modelsDir}: ${present.join(', ')}` };
  }

  async shutdown(): Promise<void> {
    const loaded = await Promise.allSettled(this.encoders.values());
    this.encoders.clear();
    await Promise.all(loaded.map((result) => (result.status === 'fulfilled' ? result.value.dispose() : undefined)));
  }

  /** The 503 for a model whose files are not all there, or null. */
  private missingModel(id: string): UnavailableError | null {
    const folder = modelFolder(this.modelsDir, id);
    if (!folder) throw new InvalidRequestError(`Model id '${id}' leaves the models directory.`, { param: 'model' });
    const missing = missingModelFiles(folder);
    if (!missing.length) return null;
    return new UnavailableError(`embedding model ${id} is missing from ${folder} (no ${missing.join(', ')}): ${howToAddModel(id, folder)}.`, { code: 'model_file_missing' });
  }

  private dimensionFromFiles(id: string): number {
    const folder = modelFolder(this.modelsDir, id)!;
    try {
      const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
      const width = Number(config.hidden_size ?? config.n_embd ?? config.d_model);
      if (!Number.isInteger(width) || width <= 0) throw new Error('config.json gives no hidden_size');
      return width * readSentencePipeline(folder).pooling.length;
    } catch (error) {
      throw new UnavailableError(`embedding model ${id} in ${folder} cannot be read: ${(error as Error).message}`, { code: 'model_file_invalid' });
    }
  }

  private encoder(id: string): Promise<SentenceEncoder> {
    let encoder = this.encoders.get(id);
    if (!encoder) {
      const missing = this.missingModel(id);
      if (missing) return Promise.reject(missing);
      const folder = modelFolder(this.modelsDir, id)!;
      encoder = loadSentenceEncoder(folder).catch((error: unknown) => {
        this.encoders.delete(id);
        throw new UnavailableError(`embedding model ${id} in ${folder} failed to load: ${(error as Error).message}`, { code: 'model_file_invalid', cause: error });
      });
      this.encoders.set(id, encoder);
      this.context.logger.info('loading embedding model', { model: id, folder });
    }
    return encoder;
  }

  private embeddingsOnly(what: string): InvalidRequestError {
    return new InvalidRequestError(`inline::sentence-transformers (${this.context.providerId}) serves embeddings only, not ${what}.`, { param: 'model' });
  }
}
