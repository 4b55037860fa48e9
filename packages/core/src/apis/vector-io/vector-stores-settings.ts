import { type ChunkReranker, DEFAULT_RRF_IMPACT_FACTOR, DEFAULT_WEIGHTED_ALPHA, type VectorStoresConfig } from '@cria/api';

/** The distribution's `vector_stores` section with Llama Stack's defaults filled in. */
export interface VectorStoresSettings {
  /** The vector_io provider of stores created without `provider_id` when several are enabled. */
  defaultProviderId: string | null;
  /** `provider_id/model_id` of the embedding model of stores created without one. */
  defaultEmbeddingModel: string | null;
  /** The dimension configured with the default embedding model, if any. */
  defaultEmbeddingDimension: number | null;
  /** How `rewrite_query: true` rewrites a search query; null: rewriting is refused. */
  rewriteQuery: { model: string; prompt: string; maxTokens: number; temperature: number } | null;
  /** How hybrid search merges its rankings when the request names no ranker. */
  defaultReranker: ChunkReranker;
  rrfImpactFactor: number;
  weightedAlpha: number;
  /** `provider_id/model_id` of the rerank model of the `neural` ranker when a search names none. */
  defaultRerankerModel: string | null;
  /** Candidates a `neural` search fetches per result it returns (chunk_retrieval_params.chunk_multiplier). */
  chunkMultiplier: number;
  /** Files ingested at the same time (file_batch_params.max_concurrent_files_per_batch). */
  maxConcurrentFiles: number;
}

/** Llama Stack's RewriteQueryParams.prompt default. */
const DEFAULT_REWRITE_PROMPT = 'Expand this query with relevant synonyms and related terms. Return only the improved query, no explanations:\n\n{query}\n\nImproved query:';

export function vectorStoresSettings(config: VectorStoresConfig | null | undefined): VectorStoresSettings {
  const retrieval = config?.chunk_retrieval_params ?? {};
  const rrfImpactFactor = retrieval.rrf_impact_factor ?? DEFAULT_RRF_IMPACT_FACTOR;
  const weightedAlpha = retrieval.weighted_search_alpha ?? DEFAULT_WEIGHTED_ALPHA;
  const embedding = config?.default_embedding_model ?? null;
  const rewrite = config?.rewrite_query_params ?? null;
  const reranker = config?.default_reranker_model ?? null;
  return {
    defaultProviderId: config?.default_provider_id ?? null,
    defaultEmbeddingModel: embedding ? `${embedding.provider_id}/${embedding.model_id}` : null,
    defaultEmbeddingDimension: embedding?.embedding_dimensions ?? null,
    rewriteQuery: rewrite?.model
      ? {
          model: `${rewrite.model.provider_id}/${rewrite.model.model_id}`,
          prompt: rewrite.prompt ?? DEFAULT_REWRITE_PROMPT,
          maxTokens: rewrite.max_tokens ?? 100,
          temperature: rewrite.temperature ?? 0.3,
        }
      : null,
    defaultReranker: retrieval.default_reranker_strategy === 'weighted' ? { type: 'weighted', alpha: weightedAlpha } : { type: 'rrf', impactFactor: rrfImpactFactor },
    rrfImpactFactor,
    weightedAlpha,
    defaultRerankerModel: reranker ? `${reranker.provider_id}/${reranker.model_id}` : null,
    chunkMultiplier: retrieval.chunk_multiplier ?? 5,
    maxConcurrentFiles: config?.file_batch_params?.max_concurrent_files_per_batch ?? 3,
  };
}
