import { type EmbeddingsRequest, type EmbeddingsResponse, InvalidRequestError, type RequestContext } from '@cria/api';
import { checkedTokens, type LlamaCppRuntime } from './llama-cpp-inference-common.js';

/** Embeddings of texts or token lists, normalised to unit length, as floats or base64. */
export class LlamaCppEmbeddings {
  constructor(private readonly runtime: Pick<LlamaCppRuntime, 'slot'>) {}

  async embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse> {
    const slot = this.runtime.slot(request.model);
    const rawInputs = typeof request.input === 'string' ? [request.input] : request.input.length > 0 && typeof request.input[0] === 'number' ? [request.input as number[]] : (request.input as string[] | number[][]);
    if (rawInputs.length === 0) throw new InvalidRequestError('input must not be empty.', { param: 'input' });
    const loaded = await slot.load();
    const dimension = loaded.model.embeddingVectorSize;
    if (request.dimensions !== undefined && request.dimensions !== dimension) {
      throw new InvalidRequestError(`Model '${request.model}' makes ${dimension}-dimensional embeddings; dimensions cannot change that.`, { param: 'dimensions' });
    }
    const inputs = rawInputs.map((input, index) => {
      const param = typeof request.input === 'string' ? 'input' : `input[${index}]`;
      if (typeof input === 'string') {
        if (input.length === 0) throw new InvalidRequestError('input must not contain empty strings.', { param });
        return input;
      }
      return checkedTokens(loaded.model, input, param);
    });
    const lease = await slot.acquireEmbedding(context.signal);
    try {
      let promptTokens = 0;
      const data = [];
      for (const [index, input] of inputs.entries()) {
        const length = lease.embedding.calculateInputLength(input);
        if (length >= loaded.contextSize) {
          throw new InvalidRequestError(`input[${index}] is ${length} tokens; model '${request.model}' embeds at most ${loaded.contextSize - 1}.`, { param: typeof request.input === 'string' ? 'input' : `input[${index}]`, code: 'context_length_exceeded' });
        }
        if (context.signal.aborted) throw context.signal.reason;
        promptTokens += length;
        const vector = (await lease.embedding.getEmbeddingFor(input)).vector;
        // Unit length, as OpenAI's embeddings are (cosine similarity is then a dot product).
        let norm = 0;
        for (const value of vector) norm += value * value;
        norm = Math.sqrt(norm) || 1;
        const normalized = Float32Array.from(vector, (value) => value / norm);
        data.push({
          object: 'embedding' as const,
          index,
          embedding: request.encoding_format === 'base64' ? Buffer.from(normalized.buffer, normalized.byteOffset, normalized.byteLength).toString('base64') : Array.from(normalized),
        });
      }
      return { object: 'list', data, model: request.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
    } finally {
      lease.release();
    }
  }
}
