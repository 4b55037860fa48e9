import { type InferenceApi, InvalidRequestError, isCriaError, type ProviderLogger, type RequestContext } from '@cria/api';

/** Inputs per embeddings request: small enough for any provider, large enough to amortise the round trip. */
export const EMBEDDING_BATCH_SIZE = 64;
/** Attempts for a batch that fails with a retryable error (rate limit, 5xx, timeout). */
const ATTEMPTS = 3;

export interface EmbeddingTarget {
  /** The model's identifier in this server's model list. */
  model: string;
  dimension: number;
  /** Ask the model for `dimension` (when it differs from the model's native size). */
  sendDimensions: boolean;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    }, { once: true });
  });
}

function decodeVector(value: number[] | string): number[] {
  if (typeof value !== 'string') return value;
  const bytes = Buffer.from(value, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
}

/** Embeds texts through the inference router, in batches, retrying what may succeed later. */
export class ChunkEmbedder {
  constructor(
    private readonly inference: InferenceApi | null,
    private readonly logger: ProviderLogger,
  ) {}

  /** The inference API, or a 400 saying why vectors cannot be made here. */
  requireInference(): InferenceApi {
    if (!this.inference) throw new InvalidRequestError('This distribution has no inference provider enabled, so it cannot embed text: enable one (e.g. set OLLAMA_URL or OPENAI_API_KEY for the starter).', { code: 'no_inference_provider' });
    return this.inference;
  }

  /**
   * One vector per text, in order; each checked against the target's dimension. The requests
   * stop when `context`'s signal aborts, and are traced in its trace context.
   */
  async embed(target: EmbeddingTarget, texts: readonly string[], context?: Partial<RequestContext>): Promise<number[][]> {
    const inference = this.requireInference();
    const signal = context?.signal;
    const embeddingsContext: Partial<RequestContext> = { ...(signal ? { signal } : {}), ...(context?.traceContext ? { traceContext: context.traceContext } : {}) };
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += EMBEDDING_BATCH_SIZE) {
      const batch = texts.slice(start, start + EMBEDDING_BATCH_SIZE);
      const response = await this.withRetries(
        () =>
          inference.embeddings(
            { model: target.model, input: [...batch], encoding_format: 'float', ...(target.sendDimensions ? { dimensions: target.dimension } : {}) },
            embeddingsContext,
          ),
        signal,
        context?.logger ?? this.logger,
      );
      if (response.data.length !== batch.length) {
        throw new Error(`the embedding model ${target.model} returned ${response.data.length} vectors for ${batch.length} inputs`);
      }
      for (const item of [...response.data].sort((left, right) => left.index - right.index)) {
        const vector = decodeVector(item.embedding);
        if (vector.length !== target.dimension) {
          throw new Error(`the embedding model ${target.model} returned ${vector.length}-dimensional vectors; the vector store expects ${target.dimension}`);
        }
        vectors.push(vector);
      }
    }
    return vectors;
  }

  private async withRetries<T>(call: () => Promise<T>, signal: AbortSignal | undefined, logger: ProviderLogger): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (attempt >= ATTEMPTS || signal?.aborted || !isCriaError(error) || !error.isRetryable) throw error;
        const delayMs = 500 * 2 ** (attempt - 1);
        logger.warn('embedding request failed; retrying', { attempt, delay_ms: delayMs, error: error.message });
        await sleep(delayMs, signal);
      }
    }
  }
}
