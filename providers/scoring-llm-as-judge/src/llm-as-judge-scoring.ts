import {
  type DatasetRow,
  type InferenceApi,
  InvalidRequestError,
  isCriaError,
  type LLMAsJudgeScoringFnParams,
  type ProviderContext,
  type RequestContext,
  type ScoreRow,
  type ScoringFnParams,
  type ScoringFunctionDefinition,
  type ScoringFunctionResource,
  type ScoringProvider,
  UpstreamError,
} from '@cria/api';
import type { LlmAsJudgeConfig } from './llm-as-judge-config.js';
import { LLM_AS_JUDGE_FUNCTIONS } from './llm-as-judge-functions.js';

const TEMPLATE_FIELDS = ['input_query', 'expected_answer', 'generated_answer'] as const;

/** Python's `str.format` with the row's three fields, as Llama Stack fills the template; `{{` and `}}` are braces. */
export function fillTemplate(template: string, values: Readonly<Record<(typeof TEMPLATE_FIELDS)[number], unknown>>, param: string): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const name = field!.split(/[!:]/)[0]!;
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      throw new InvalidRequestError(`The prompt template names '{${field}}'; it may name {input_query}, {expected_answer} and {generated_answer} (write {{ and }} for braces).`, { param });
    }
    const value = values[name as (typeof TEMPLATE_FIELDS)[number]];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** Runs `work` over the items, at most `limit` at a time, keeping their order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

function judgeParams(params: ScoringFnParams | null, fnParam: string): LLMAsJudgeScoringFnParams {
  if (params?.type !== 'llm_as_judge') throw new InvalidRequestError('An llm-as-judge function needs llm_as_judge params (judge_model, prompt_template, judge_score_regexes).', { param: `${fnParam}.type` });
  if (!params.prompt_template) throw new InvalidRequestError('An llm-as-judge function needs a prompt_template.', { param: `${fnParam}.prompt_template` });
  return params;
}

/**
 * The `inline::llm-as-judge` scoring provider: each row's input_query, expected_answer and
 * generated_answer fill the prompt template; the judge model (through the inference API) answers;
 * the first judge_score_regexes match gives the score (its first group, as text), and the whole
 * answer is kept as judge_feedback. A row no regex matches scores null, as in Llama Stack.
 */
export class LlmAsJudgeScoring implements ScoringProvider {
  constructor(
    private readonly config: LlmAsJudgeConfig,
    private readonly inference: InferenceApi,
    private readonly providerId: string,
  ) {}

  static create(config: LlmAsJudgeConfig, context: ProviderContext<{ inference: InferenceApi }>): LlmAsJudgeScoring {
    return new LlmAsJudgeScoring(config, context.deps.inference, context.providerId);
  }

  async listScoringFunctions(): Promise<ScoringFunctionDefinition[]> {
    return [...LLM_AS_JUDGE_FUNCTIONS];
  }

  /** Any function with llm_as_judge params can be registered: its params are its judge. */
  async registerScoringFunction(fn: ScoringFunctionResource): Promise<void> {
    if (fn.params?.type !== 'llm_as_judge') throw new InvalidRequestError('An llm-as-judge function needs params of type llm_as_judge (judge_model, prompt_template, judge_score_regexes).', { param: 'params' });
    if (fn.params.prompt_template) fillTemplate(fn.params.prompt_template, { input_query: '', expected_answer: '', generated_answer: '' }, 'params.prompt_template');
  }

  async scoreRows(fn: ScoringFunctionResource, rows: readonly DatasetRow[], params: ScoringFnParams | null, context: RequestContext): Promise<ScoreRow[]> {
    const fnParam = `scoring_functions.${fn.identifier}`;
    const judge = judgeParams(params, fnParam);
    const regexes = (judge.judge_score_regexes ?? []).map((pattern) => {
      try {
        return new RegExp(pattern.replace(/\(\?P</g, '(?<'));
      } catch (error) {
        throw new InvalidRequestError(`'${pattern}' is not a regular expression: ${(error as Error).message}`, { param: `${fnParam}.judge_score_regexes`, cause: error });
      }
    });
    const prompts = rows.map((row, index) => {
      for (const field of TEMPLATE_FIELDS) if (!(field in row)) throw new InvalidRequestError(`The row has no '${field}' column.`, { param: `input_rows[${index}].${field}` });
      return fillTemplate(judge.prompt_template!, row as Record<(typeof TEMPLATE_FIELDS)[number], unknown>, `${fnParam}.prompt_template`);
    });
    return mapLimited(prompts, this.config.max_concurrent_judgements ?? 4, async (prompt) => {
      const content = await this.ask(judge.judge_model, prompt, fnParam, context);
      let score: string | null = null;
      for (const regex of regexes) {
        const match = regex.exec(content);
        if (match) {
          score = match[1] ?? match[0];
          break;
        }
      }
      return { score, judge_feedback: content };
    });
  }

  private async ask(model: string, prompt: string, fnParam: string, context: RequestContext): Promise<string> {
    let content: unknown;
    try {
      const completion = await this.inference.chatCompletion({ model, messages: [{ role: 'user', content: prompt }], stream: false, store: false }, context);
      content = completion.choices[0]?.message.content;
    } catch (error) {
      // Unknown to the models router, or to the service that serves it (an upstream 404).
      if (isCriaError(error, 'not_found') || (UpstreamError.is(error) && (error as UpstreamError).status === 404)) {
        throw new InvalidRequestError(`The judge model '${model}' is not served here (${(error as Error).message}); name one GET /v1/models lists in judge_model.`, { param: `${fnParam}.judge_model`, cause: error });
      }
      throw error;
    }
    if (typeof content !== 'string') throw new UpstreamError(this.providerId, `The judge model '${model}' answered without text content.`);
    return content;
  }
}
