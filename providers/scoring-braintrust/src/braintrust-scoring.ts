import { distance } from 'fastest-levenshtein';
import {
  type DatasetRow,
  type InferenceApi,
  InvalidRequestError,
  isCriaError,
  type ProviderContext,
  type RequestContext,
  type ScoreRow,
  type ScoringFunctionDefinition,
  type ScoringFunctionResource,
  type ScoringProvider,
  UpstreamError,
} from '@cria/api';
import type { BraintrustScoringConfig } from './braintrust-config.js';
import { correctnessPrompt, FACTUALITY_SCORES, factualF1, factualityPrompt, parseClassification, parseFactualityChoice } from './braintrust-prompts.js';

const average = { type: 'basic', aggregation_functions: ['average'] } as const;

const definition = (id: string, description: string): ScoringFunctionDefinition => ({
  identifier: `braintrust::${id}`,
  provider_resource_id: id,
  description,
  return_type: { type: 'number' },
  params: { ...average, aggregation_functions: [...average.aggregation_functions] },
});

/**
 * Autoevals' scorers that need Braintrust's or RAGAS' own machinery beyond a judge prompt, which
 * this provider does not register: answer-relevancy (generates questions and embeds them),
 * faithfulness and the context scorers (context-entity-recall, context-precision, context-recall,
 * context-relevancy), which Llama Stack runs through autoevals' RAGAS port.
 */
export const UNREGISTERED_BRAINTRUST_FUNCTIONS = ['answer-relevancy', 'faithfulness', 'context-entity-recall', 'context-precision', 'context-recall', 'context-relevancy'] as const;

/** Runs `work` over the items, at most `limit` at a time, keeping their order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function cosine(a: readonly number[], b: readonly number[]): number {
  let [dot, normA, normB] = [0, 0, 0];
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! ** 2;
    normB += b[index]! ** 2;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/**
 * The `inline::braintrust` scoring provider: autoevals' factuality and answer correctness judged by
 * a model of the inference API, answer similarity by an embedding model (when configured), and the
 * local exact-match and levenshtein scorers. Rows have input_query, generated_answer and
 * expected_answer, as Llama Stack's braintrust provider reads them; scores are 0..1, averaged.
 */
export class BraintrustScoring implements ScoringProvider {
  constructor(
    private readonly config: BraintrustScoringConfig,
    private readonly inference: InferenceApi,
    private readonly providerId: string,
  ) {}

  static create(config: BraintrustScoringConfig, context: ProviderContext<{ inference: InferenceApi }>): BraintrustScoring {
    return new BraintrustScoring(config, context.deps.inference, context.providerId);
  }

  async listScoringFunctions(): Promise<ScoringFunctionDefinition[]> {
    const judged = this.config.judge_model
      ? [
          definition('factuality', 'Test output factuality against expected value using Braintrust LLM scorer. See: github.com/braintrustdata/autoevals'),
          definition('answer-correctness', `Scores the correctness of the answer based on the ground truth (factual F1 of its statements${this.config.embedding_model ? ', with a quarter from answer similarity' : ''}). See: github.com/braintrustdata/autoevals`),
        ]
      : [];
    return [
      ...judged,
      ...(this.config.embedding_model ? [definition('answer-similarity', 'Test output semantic similarity to expected value (cosine of embeddings). See: github.com/braintrustdata/autoevals')] : []),
      definition('exact-match', 'Returns 1 if the output equals the expected value exactly, 0 otherwise (autoevals ExactMatch).'),
      definition('levenshtein', 'One minus the Levenshtein distance over the longer length (autoevals Levenshtein).'),
    ];
  }

  async registerScoringFunction(fn: ScoringFunctionResource): Promise<void> {
    throw new InvalidRequestError(`inline::braintrust does not register functions (as in Llama Stack); '${fn.identifier}' cannot be added. Its functions are listed by GET /v1/scoring-functions.`, { param: 'provider_id' });
  }

  async scoreRows(fn: ScoringFunctionResource, rows: readonly DatasetRow[], _params: unknown, context: RequestContext): Promise<ScoreRow[]> {
    const columns = (row: DatasetRow, index: number, names: readonly string[]) => {
      for (const name of names) if (!(name in row) || row[name] === null) throw new InvalidRequestError(`The row has no '${name}' column.`, { param: `input_rows[${index}].${name}` });
      return { query: asText(row.input_query ?? ''), expected: asText(row.expected_answer), generated: asText(row.generated_answer) };
    };
    const limit = this.config.max_concurrent_judgements ?? 4;
    switch (fn.provider_resource_id) {
      case 'exact-match':
        return rows.map((row, index) => {
          const { expected, generated } = columns(row, index, ['generated_answer', 'expected_answer']);
          return { score: expected === generated ? 1 : 0 };
        });
      case 'levenshtein':
        return rows.map((row, index) => {
          const { expected, generated } = columns(row, index, ['generated_answer', 'expected_answer']);
          const longest = Math.max(expected.length, generated.length);
          return { score: longest === 0 ? 1 : 1 - distance(generated, expected) / longest };
        });
      case 'answer-similarity': {
        const values = rows.map((row, index) => columns(row, index, ['generated_answer', 'expected_answer']));
        return mapLimited(values, limit, async ({ expected, generated }) => ({ score: await this.similarity(generated, expected, fn, context) }));
      }
      case 'factuality': {
        const values = rows.map((row, index) => columns(row, index, ['input_query', 'generated_answer', 'expected_answer']));
        return mapLimited(values, limit, async ({ query, expected, generated }) => {
          const answer = await this.ask(factualityPrompt(query, expected, generated), fn, context);
          const choice = parseFactualityChoice(answer);
          return { score: choice ? FACTUALITY_SCORES[choice]! : null, metadata: { choice, rationale: answer } };
        });
      }
      case 'answer-correctness': {
        const values = rows.map((row, index) => columns(row, index, ['input_query', 'generated_answer', 'expected_answer']));
        return mapLimited(values, limit, async ({ query, expected, generated }) => {
          const answer = await this.ask(correctnessPrompt(query, expected, generated), fn, context);
          const classification = parseClassification(answer);
          if (!classification) return { score: null, metadata: { error: 'The judge gave no TP/FP/FN classification.', judge_feedback: answer } };
          const factuality = factualF1(classification);
          if (!this.config.embedding_model) return { score: factuality, metadata: { factuality, statements: classification } };
          const similarity = await this.similarity(generated, expected, fn, context);
          return { score: 0.75 * factuality + 0.25 * similarity, metadata: { factuality, answer_similarity: similarity, statements: classification } };
        });
      }
      default:
        throw new InvalidRequestError(`Scoring function '${fn.identifier}' is not one inline::braintrust runs.`, { param: `scoring_functions.${fn.identifier}` });
    }
  }

  private async ask(prompt: string, fn: ScoringFunctionResource, context: RequestContext): Promise<string> {
    const model = this.config.judge_model;
    if (!model) throw new InvalidRequestError(`'${fn.identifier}' needs a judge model: set judge_model in the inline::braintrust config.`, { param: `scoring_functions.${fn.identifier}` });
    let content: unknown;
    try {
      const completion = await this.inference.chatCompletion({ model, messages: [{ role: 'user', content: prompt }], temperature: 0, stream: false, store: false }, context);
      content = completion.choices[0]?.message.content;
    } catch (error) {
      // Unknown to the models router, or to the service that serves it (an upstream 404).
      if (isCriaError(error, 'not_found') || (UpstreamError.is(error) && (error as UpstreamError).status === 404)) {
        throw new UpstreamError(this.providerId, `The judge model '${model}' (inline::braintrust judge_model) is not served here: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
    if (typeof content !== 'string') throw new UpstreamError(this.providerId, `The judge model '${model}' answered '${fn.identifier}' without text content.`);
    return content;
  }

  private async similarity(generated: string, expected: string, fn: ScoringFunctionResource, context: RequestContext): Promise<number> {
    const model = this.config.embedding_model!;
    const reply = await this.inference.embeddings({ model, input: [generated, expected] }, context);
    const [a, b] = [reply.data[0]?.embedding, reply.data[1]?.embedding];
    if (!Array.isArray(a) || !Array.isArray(b)) throw new UpstreamError(this.providerId, `The embedding model '${model}' gave no float embeddings for '${fn.identifier}'.`);
    return cosine(a, b);
  }
}
