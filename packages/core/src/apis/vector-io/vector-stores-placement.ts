import { InvalidRequestError, type Model, type ModelsApi, NotFoundError, UnavailableError } from '@cria/api';
import type { ChunkEmbedder } from './vector-io-embedder.js';
import type { VectorStoresSettings } from './vector-stores-settings.js';

/** A new store's embedding model, checked, and the dimension its vectors have. */
export interface StoreEmbedding {
  /** The model's identifier in this server's model list. */
  embeddingModel: string;
  embeddingDimension: number;
  /** Whether embeddings requests must name the dimension (it differs from the model's native one). */
  sendDimensions: boolean;
}

/**
 * Where a new vector store goes: which vector_io provider holds it (as asked, the only one, or
 * the distribution's default) and which embedding model embeds it, checked with the models API.
 */
export class StorePlacement {
  constructor(
    private readonly providerIds: readonly string[],
    private readonly models: ModelsApi | null,
    private readonly embedder: ChunkEmbedder,
    private readonly settings: VectorStoresSettings,
  ) {}

  chooseProvider(requested: string | undefined): string {
    if (requested !== undefined) {
      if (!this.providerIds.includes(requested)) {
        throw new InvalidRequestError(`No vector_io provider '${requested}' (enabled: ${this.providerIds.join(', ')}).`, { param: 'provider_id' });
      }
      return requested;
    }
    if (this.providerIds.length === 1) return this.providerIds[0]!;
    const fallback = this.settings.defaultProviderId;
    if (fallback && this.providerIds.includes(fallback)) return fallback;
    throw new InvalidRequestError(
      `Several vector_io providers are enabled (${this.providerIds.join(', ')}): pass provider_id (with extra_body in the OpenAI client), or set vector_stores.default_provider_id in the distribution.`,
      { param: 'provider_id' },
    );
  }

  /** The store's embedding model (checked to be one) and dimension: as asked, else the distribution's default. */
  async embedding(requested: string | undefined, requestedDimension: number | undefined): Promise<StoreEmbedding> {
    const id = requested ?? this.settings.defaultEmbeddingModel;
    if (!id) {
      throw new InvalidRequestError(
        'No embedding model: pass embedding_model (with extra_body in the OpenAI client), or set vector_stores.default_embedding_model in the distribution.',
        { param: 'embedding_model', code: 'embedding_model_required' },
      );
    }
    this.embedder.requireInference();
    if (!this.models) throw new InvalidRequestError('This distribution serves no models API, so embedding models cannot be checked.', { param: 'embedding_model' });
    let model: Model;
    try {
      model = await this.models.getModel(id);
    } catch (error) {
      if (NotFoundError.is(error)) throw new InvalidRequestError(`Embedding model '${id}' not found. Use GET /v1/models to see the models this server routes.`, { param: 'embedding_model', code: 'model_not_found' });
      if (UnavailableError.is(error)) throw new UnavailableError(error.message, { param: 'embedding_model', code: error.code, retryAfterSeconds: error.retryAfterSeconds });
      throw error;
    }
    if (model.custom_metadata?.status === 'unavailable') {
      throw new UnavailableError(`Model '${id}' is unavailable: ${String(model.custom_metadata.error ?? 'its provider cannot serve it now')}`, { param: 'embedding_model', code: 'model_unavailable' });
    }
    if (model.model_type !== 'embedding') {
      throw new InvalidRequestError(`Model '${id}' is not an embedding model (it is of type ${model.model_type}).`, { param: 'embedding_model', code: 'invalid_model_type' });
    }
    const nativeValue = model.metadata.embedding_dimension;
    const native = nativeValue === undefined || nativeValue === null ? null : Number(nativeValue);
    const configured = !requested || requested === this.settings.defaultEmbeddingModel ? this.settings.defaultEmbeddingDimension : null;
    const dimension = requestedDimension ?? configured ?? native;
    if (!dimension || !Number.isInteger(dimension) || dimension < 1) {
      throw new InvalidRequestError(`The dimension of embedding model '${model.id}' is not known: pass embedding_dimension.`, { param: 'embedding_dimension' });
    }
    return { embeddingModel: model.id, embeddingDimension: dimension, sendDimensions: native !== dimension };
  }
}
