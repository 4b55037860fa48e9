import {
  type AttributeFilter,
  type ChunkMatch,
  type ChunkReranker,
  InvalidRequestError,
  type QueryChunksRequest,
  type QueryChunksResponse,
  type RequestContext,
  UpstreamError,
  type VectorStoreSearchRequest,
  type VectorStoreSearchResult,
  type VectorStoreSearchResultsPage,
} from '@cria/api';
import type { ChunkEmbedder } from './vector-io-embedder.js';
import { embeddingTarget, type VectorStoreCatalog } from './vector-stores-catalog.js';
import { contentText, scalarAttributes } from './vector-stores-objects.js';
import type { VectorStoresSettings } from './vector-stores-settings.js';
import type { FileRecord, VectorStoresTables } from './vector-stores-tables.js';

/**
 * A keyword (bm25) score in OpenAI's range, 0 to 1: s / (1 + s) keeps the order. Llama Stack
 * shows the raw bm25 score, which strictly typed OpenAI clients reject above 1.
 */
function keywordScore(bm25: number): number {
  return bm25 <= 0 ? 0 : bm25 / (1 + bm25);
}

/** The raw bm25 score whose keywordScore is `threshold`. */
function keywordThreshold(threshold: number): number {
  return threshold >= 1 ? Infinity : threshold <= 0 ? threshold : threshold / (1 - threshold);
}

/** Keeps the best score of each chunk found by several queries, best first. */
function mergeMatches(lists: readonly ChunkMatch[][], limit: number): ChunkMatch[] {
  const best = new Map<string, ChunkMatch>();
  for (const list of lists) {
    for (const match of list) {
      const known = best.get(match.chunkId);
      if (!known || match.score > known.score) best.set(match.chunkId, match);
    }
  }
  return [...best.values()].sort((left, right) => right.score - left.score).slice(0, limit);
}

/**
 * Searching stores: Llama Stack's chunk query (answered with each chunk's embedding) and OpenAI's
 * vector store search (several queries merged, optionally rewritten by a chat model first, results
 * with their file's name and attributes). Hybrid search takes the request's reranker, else the
 * distribution's default; the `neural` ranker reorders the candidates with a rerank model through
 * the inference API.
 */
export class VectorIOSearch {
  constructor(
    private readonly catalog: VectorStoreCatalog,
    private readonly tables: VectorStoresTables,
    private readonly embedder: ChunkEmbedder,
    private readonly settings: VectorStoresSettings,
  ) {}

  async queryChunks(request: QueryChunksRequest, context?: Partial<RequestContext>): Promise<QueryChunksResponse> {
    const state = this.catalog.require(request.vector_store_id, { param: 'vector_store_id' });
    const { resource } = state;
    const params = request.params ?? {};
    const mode = params.mode ?? 'vector';
    const text = contentText(request.query);
    const reranker = mode === 'hybrid' ? this.reranker(params.reranker_type ?? null, params.reranker_params?.impact_factor, params.reranker_params?.alpha) : undefined;
    const embedding = mode === 'keyword' ? undefined : (await this.embedder.embed(embeddingTarget(state), [text], context))[0];
    const provider = this.catalog.provider(state);
    const storeId = resource.provider_resource_id;
    // Llama Stack sets no threshold by default: a negative cosine similarity is still a match.
    const matches = await provider.queryChunks(storeId, {
      mode,
      text,
      maxChunks: params.max_chunks ?? 3,
      ...(params.score_threshold !== undefined && params.score_threshold !== null ? { scoreThreshold: params.score_threshold } : {}),
      ...(embedding ? { embedding } : {}),
      ...(reranker ? { reranker } : {}),
      ...(params.filters ? { filter: params.filters as AttributeFilter } : {}),
    });
    // Llama Stack answers each chunk with its embedding, which a query does not return.
    const embeddings = new Map<string, number[]>();
    if (matches.length) {
      for (const chunk of await provider.listChunks(storeId, { chunkIds: matches.map((match) => match.chunkId) }, { includeEmbeddings: true })) embeddings.set(chunk.chunkId, chunk.embedding!);
    }
    // A chunk deleted between the query and the listing is left out, with its score.
    const found = matches.filter((match) => embeddings.has(match.chunkId));
    const chunks = found.map(
      (match): QueryChunksResponse['chunks'][number] => ({
        content: match.content,
        chunk_id: match.chunkId,
        metadata: match.metadata,
        chunk_metadata: match.chunkMetadata,
        embedding: embeddings.get(match.chunkId)!,
        embedding_model: resource.embedding_model,
        embedding_dimension: resource.embedding_dimension,
      }),
    );
    return { chunks, scores: found.map((match) => match.score) };
  }

  async searchVectorStore(vectorStoreId: string, request: VectorStoreSearchRequest, context?: Partial<RequestContext>): Promise<VectorStoreSearchResultsPage> {
    const state = this.catalog.require(vectorStoreId, { active: true });
    const storeId = state.resource.provider_resource_id;
    let queries = typeof request.query === 'string' ? [request.query] : request.query;
    if (request.rewrite_query) queries = [await this.rewriteQuery(queries.join(' '), context)];
    const mode = request.search_mode ?? 'vector';
    const limit = request.max_num_results ?? 10;
    const options = request.ranking_options ?? null;
    const reranker = mode === 'hybrid' ? this.reranker(options?.ranker ?? null, options?.impact_factor ?? undefined, options?.alpha ?? undefined) : undefined;
    const neuralModel = options?.ranker === 'neural' ? this.neuralModel(options.model ?? null) : null;
    // The neural ranker picks its results from more candidates (Llama Stack's chunk_multiplier).
    const candidates = neuralModel ? limit * this.settings.chunkMultiplier : limit;
    const embeddings = mode === 'keyword' ? [] : await this.embedder.embed(embeddingTarget(state), queries, context);
    const provider = this.catalog.provider(state);
    const lists = await Promise.all(
      queries.map((text, index) =>
        provider.queryChunks(storeId, {
          mode,
          text,
          maxChunks: candidates,
          // OpenAI's ranking_options.score_threshold defaults to 0; it applies to the score as shown.
          scoreThreshold: mode === 'keyword' ? keywordThreshold(options?.score_threshold ?? 0) : (options?.score_threshold ?? 0),
          ...(embeddings[index] ? { embedding: embeddings[index] } : {}),
          ...(reranker ? { reranker } : {}),
          ...(request.filters ? { filter: request.filters as AttributeFilter } : {}),
        }),
      ),
    );
    const attached = new Map<string, FileRecord | undefined>();
    const data: VectorStoreSearchResult[] = [];
    let matches = mergeMatches(lists, candidates);
    if (neuralModel) matches = await this.rerankMatches(neuralModel, queries.join(' '), matches, limit, context);
    for (const match of matches) {
      const fileId = String(match.chunkMetadata.file_id ?? match.metadata.file_id ?? match.metadata.document_id ?? match.chunkMetadata.document_id ?? '');
      if (fileId && !attached.has(fileId)) attached.set(fileId, await this.tables.file(vectorStoreId, fileId));
      const file = fileId ? attached.get(fileId) : undefined;
      data.push({
        file_id: fileId,
        filename: file?.filename ?? String(match.metadata.filename ?? ''),
        score: mode === 'keyword' && !neuralModel ? keywordScore(match.score) : Math.min(1, Math.max(0, match.score)),
        attributes: file ? (file.attributes ?? {}) : scalarAttributes(match.metadata),
        content: [{ type: 'text', text: match.content }],
      });
    }
    await this.catalog.touch(state);
    return { object: 'vector_store.search_results.page', search_query: queries, data, has_more: false, next_page: null };
  }

  private reranker(type: string | null, impactFactor: number | undefined, alpha: number | undefined): ChunkReranker {
    const kind = type === 'rrf' || type === 'weighted' ? type : this.settings.defaultReranker.type;
    return kind === 'weighted' ? { type: 'weighted', alpha: alpha ?? this.settings.weightedAlpha } : { type: 'rrf', impactFactor: impactFactor ?? this.settings.rrfImpactFactor };
  }

  /** The rerank model of a `neural` search: the request's, else the distribution's default. */
  private neuralModel(requested: string | null): string {
    const model = requested ?? this.settings.defaultRerankerModel;
    if (!model) {
      throw new InvalidRequestError('The neural ranker needs a rerank model: set ranking_options.model, or vector_stores.default_reranker_model in the distribution.', { param: 'ranking_options.model' });
    }
    return model;
  }

  /** The candidates reordered by the rerank model, scored by it, the best `limit` of them. */
  private async rerankMatches(model: string, query: string, matches: ChunkMatch[], limit: number, context?: Partial<RequestContext>): Promise<ChunkMatch[]> {
    if (!matches.length) return matches;
    const ranked = await this.embedder.requireInference().rerank({ model, query, items: matches.map((match) => match.content), max_num_results: limit }, context);
    return ranked.data.map((result) => ({ ...matches[result.index]!, score: result.relevance_score }));
  }

  private async rewriteQuery(query: string, context?: Partial<RequestContext>): Promise<string> {
    const rewrite = this.settings.rewriteQuery;
    if (!rewrite) {
      throw new InvalidRequestError('Query rewriting is not available: the distribution sets no vector_stores.rewrite_query_params.model.', { param: 'rewrite_query' });
    }
    const completion = await this.embedder.requireInference().chatCompletion(
      { model: rewrite.model, messages: [{ role: 'user', content: rewrite.prompt.replaceAll('{query}', query) }], max_tokens: rewrite.maxTokens, temperature: rewrite.temperature },
      context ?? {},
    );
    const rewritten = completion.choices[0]?.message.content?.trim();
    if (!rewritten) throw new UpstreamError(rewrite.model, 'The query rewriting model answered with no text.');
    return rewritten;
  }
}
