import { InvalidRequestError, type RerankRequest, type RerankResponse, UpstreamError } from '@cria/api';

/** The text of a rerank query or item; images are refused (no service here ranks them). */
export function rerankInputText(input: RerankRequest['query'], param: string): string {
  if (typeof input === 'string') return input;
  if (input && 'text' in input && typeof input.text === 'string') return input.text;
  throw new InvalidRequestError(`${param} is an image; this rerank model ranks text only.`, { param });
}

/**
 * The Jina / Cohere rerank body that vLLM's `/rerank` and llama.cpp server's `/v1/rerank` take:
 * `{model, query, documents, top_n}`.
 */
export function rerankRequestBody(request: RerankRequest): Record<string, unknown> {
  return {
    model: request.model,
    query: rerankInputText(request.query, 'query'),
    documents: request.items.map((item, index) => rerankInputText(item, `items[${index}]`)),
    ...(request.max_num_results ? { top_n: request.max_num_results } : {}),
  };
}

/** Llama Stack's RerankResponse from a Jina / Cohere reply: `{results: [{index, relevance_score, document?}]}`. */
export function rerankResponseOf(provider: string, reply: unknown): RerankResponse {
  const results = (reply as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new UpstreamError(provider, `${provider} answered the rerank request with an unexpected body (no results)`, { status: null });
  return {
    data: results.map((result: { index?: unknown; relevance_score?: unknown }) => {
      if (typeof result?.index !== 'number' || typeof result.relevance_score !== 'number') {
        throw new UpstreamError(provider, `${provider} answered the rerank request with a result lacking index or relevance_score`, { status: null });
      }
      return { index: result.index, relevance_score: result.relevance_score };
    }),
  };
}
