import {
  type DatasetRow,
  InvalidRequestError,
  type ScoreRow,
  type ScoringFnParams,
  type ScoringFunctionDefinition,
  type ScoringFunctionResource,
  type ScoringProvider,
} from '@cria/api';
import { normalizeDocvqaAnswer } from './basic-docvqa.js';
import { BASIC_FUNCTIONS } from './basic-functions.js';
import { asksLanguage, scoreIfevalRow } from './basic-ifeval.js';
import { loadLanguageDetector } from './basic-language.js';
import { firstAnswer, normalizeFinalAnswer, tryEvaluateFrac, tryEvaluateLatex } from './basic-math.js';
import { pythonRegex } from './basic-regex.js';

type RowScorer = (row: DatasetRow, params: ScoringFnParams | null, rowParam: string, fnParam: string) => ScoreRow;

function column(row: DatasetRow, name: string, rowParam: string): unknown {
  if (!(name in row)) throw new InvalidRequestError(`The row has no '${name}' column.`, { param: `${rowParam}.${name}` });
  return row[name];
}

function stringColumn(row: DatasetRow, name: string, rowParam: string): string {
  const value = column(row, name, rowParam);
  if (typeof value !== 'string') throw new InvalidRequestError(`The row's '${name}' must be a string.`, { param: `${rowParam}.${name}` });
  return value;
}

function parsingRegexes(params: ScoringFnParams | null, fnParam: string): string[] {
  if (params?.type !== 'regex_parser') throw new InvalidRequestError('This function needs regex_parser params (parsing_regexes).', { param: `${fnParam}.type` });
  return params.parsing_regexes ?? [];
}

const SCORERS: Readonly<Record<string, RowScorer>> = {
  equality(row, _params, rowParam) {
    return { score: JSON.stringify(column(row, 'expected_answer', rowParam)) === JSON.stringify(column(row, 'generated_answer', rowParam)) ? 1 : 0 };
  },
  'subset-of'(row, _params, rowParam) {
    return { score: stringColumn(row, 'generated_answer', rowParam).includes(stringColumn(row, 'expected_answer', rowParam)) ? 1 : 0 };
  },
  'regex-parser-multiple-choice-answer'(row, params, rowParam, fnParam) {
    const [expected, generated] = [column(row, 'expected_answer', rowParam), stringColumn(row, 'generated_answer', rowParam)];
    let parsed: string | null = null;
    for (const pattern of parsingRegexes(params, fnParam)) {
      const match = pythonRegex(pattern, `${fnParam}.parsing_regexes`).exec(generated);
      if (match) {
        parsed = match[1] ?? null;
        break;
      }
    }
    return { score: parsed && parsed === expected ? 1 : 0 };
  },
  'regex-parser-math-response'(row, params, rowParam, fnParam) {
    const regexes = parsingRegexes(params, fnParam);
    if (regexes.length !== 1) throw new InvalidRequestError('regex_parser_math_response takes exactly one parsing regex.', { param: `${fnParam}.parsing_regexes` });
    const [expected, generated] = [stringColumn(row, 'expected_answer', rowParam), stringColumn(row, 'generated_answer', rowParam)];
    const normalizedGenerated = tryEvaluateFrac(tryEvaluateLatex(normalizeFinalAnswer(firstAnswer(generated), pythonRegex(regexes[0]!, `${fnParam}.parsing_regexes`), true)));
    const normalizedExpected = tryEvaluateFrac(tryEvaluateLatex(normalizeFinalAnswer(expected, /.*/)));
    return { score: normalizedGenerated === normalizedExpected ? 1 : 0 };
  },
  ifeval(row, _params, rowParam) {
    return scoreIfevalRow(row, rowParam);
  },
  docvqa(row, _params, rowParam) {
    const expectedText = stringColumn(row, 'expected_answer', rowParam);
    let expected: unknown;
    try {
      expected = JSON.parse(expectedText);
    } catch {
      expected = null;
    }
    if (!Array.isArray(expected) || !expected.every((answer) => typeof answer === 'string')) {
      throw new InvalidRequestError('docvqa reads expected_answer as a JSON list of accepted answers (e.g. \'["blue", "navy"]\').', { param: `${rowParam}.expected_answer` });
    }
    const generated = normalizeDocvqaAnswer(stringColumn(row, 'generated_answer', rowParam));
    return { score: expected.some((answer) => normalizeDocvqaAnswer(answer) === generated) ? 1 : 0 };
  },
};

/** The function a resource runs: by its id at the provider, or a built-in's identifier (`basic::equality`). */
function scorerOf(providerResourceId: string): RowScorer | undefined {
  return SCORERS[providerResourceId] ?? SCORERS[BASIC_FUNCTIONS.find((definition) => definition.identifier === providerResourceId)?.provider_resource_id ?? ''];
}

/**
 * The `inline::basic` scoring provider: Llama Stack's basic functions (equality, subset_of, the
 * multiple-choice and math regex parsers, ifeval, docvqa). A function registered through the API
 * runs one of these (its provider_scoring_fn_id names it) with its own params.
 */
export class BasicScoring implements ScoringProvider {
  async listScoringFunctions(): Promise<ScoringFunctionDefinition[]> {
    return [...BASIC_FUNCTIONS];
  }

  async registerScoringFunction(fn: ScoringFunctionResource): Promise<void> {
    if (!scorerOf(fn.provider_resource_id)) {
      throw new InvalidRequestError(
        `inline::basic runs its own functions only; provider_scoring_fn_id '${fn.provider_resource_id}' is not one. Choose from: ${BASIC_FUNCTIONS.map((definition) => definition.provider_resource_id).join(', ')}.`,
        { param: 'provider_scoring_fn_id' },
      );
    }
    if (fn.params?.type === 'llm_as_judge') throw new InvalidRequestError('inline::basic functions take basic or regex_parser params.', { param: 'params.type' });
  }

  async scoreRows(fn: ScoringFunctionResource, rows: readonly DatasetRow[], params: ScoringFnParams | null): Promise<ScoreRow[]> {
    const scorer = scorerOf(fn.provider_resource_id);
    if (!scorer) throw new InvalidRequestError(`Scoring function '${fn.identifier}' is not one inline::basic runs.`, { param: `scoring_functions.${fn.identifier}` });
    const fnParam = `scoring_functions.${fn.identifier}`;
    if (fn.provider_resource_id === 'ifeval' && rows.some(asksLanguage)) await loadLanguageDetector();
    return rows.map((row, index) => scorer(row, params, `input_rows[${index}]`, fnParam));
  }
}
