import { InvalidRequestError, type RequestContext, type RerankRequest, type RerankResponse } from '@cria/api';
import type { LlamaCppRuntime } from './llama-cpp-inference-common.js';

/** The text of a rerank query or item; llama.cpp's rerankers read text only. */
function inputText(input: RerankRequest['query'], param: string): string {
  if (typeof input === 'string') return input;
  if (input && 'text' in input && typeof input.text === 'string') return input.text;
  throw new InvalidRequestError(`${param} is an image; llama.cpp rerank models rank text only.`, { param });
}

/**
 * Reranking with node-llama-cpp's ranking context: each query-document pair is evaluated whole
 * by the reranker (rank pooling and its classification head) and scored between 0 and 1.
 */
export class LlamaCppReranker {
  constructor(private readonly runtime: Pick<LlamaCppRuntime, 'slot'>) {}

  async rerank(request: RerankRequest, context: RequestContext): Promise<RerankResponse> {
    const slot = this.runtime.slot(request.model);
    const query = inputText(request.query, 'query');
    const documents = request.items.map((item, index) => inputText(item, `items[${index}]`));
    const lease = await slot.acquireRanking(context.signal);
    try {
      const { ranking } = lease;
      documents.forEach((document, index) => {
        const length = ranking.calculateInputLength(query, document);
        if (length >= ranking.contextSize) {
          throw new InvalidRequestError(`items[${index}] with the query is ${length} tokens; model '${request.model}' ranks at most ${ranking.contextSize - 1}.`, { param: `items[${index}]`, code: 'context_length_exceeded' });
        }
      });
      const data: RerankResponse['data'] = [];
      for (const [index, document] of documents.entries()) {
        if (context.signal.aborted) throw context.signal.reason;
        data.push({ index, relevance_score: await ranking.rank(query, document) });
      }
      return { data };
    } finally {
      lease.release();
    }
  }
}
