import type { RegexParserScoringFnParams, ScoringFunctionDefinition } from '@cria/api';

/** The answer regexes of Llama Stack's multiple-choice parser: "Answer: B" in many languages. */
const MULTILINGUAL_ANSWER_REGEXES = [
  'The best answer is ', 'Answer\\s*:', 'Answer\\s*:​​​​​​', 'উত্তর\\s*:', 'उत्तर\\s*:', 'উত্তরঃ', 'উত্তর\\s*:', 'Antwort\\s*:', '답변\\s*:', '정답\\s*:', '답\\s*:',
  '答案\\s*：', '答案\\s*:', '答\\s*：', '答\\s*:', '答复\\s*：', '答曰\\s*：', 'الإجابة:', 'الجواب:', 'إجابة:', 'الإجابة النهائية:', 'الإجابة الصحيحة:', 'الإجابة الصحيحة هي:',
  'الإجابة هي:', 'Respuesta\\s*:', 'Risposta\\s*:', '答え\\s*:', '答え\\s*：', '回答\\s*:', '回答\\s*：', '解答\\s*:', 'Jawaban\\s*:', 'Réponse\\s*:', 'Resposta\\s*:', 'Jibu\\s*:',
  'Idahun\\s*:', 'Ìdáhùn\\s*:', 'Idáhùn\\s*:', 'Àmọ̀nà\\s*:', 'Àdáhùn\\s*:', 'Ànúgọ\\s*:', 'Àṣàyàn\\s*:',
];

const multipleChoicePattern = (prefix: string) => `(?i)${prefix}\\s*([A-D]|[أ-د]|[অ]|[ব]|[ড]|[ঢ]|[Ａ]|[Ｂ]|[Ｃ]|[Ｄ])`;

export const MATH_ANSWER_REGEXES = ['.*final answer is:?\\s*\\$\\\\boxed{(?P<X>.*)}\\$'];

const number = { type: 'number' } as const;

/** The provider's functions, by the id at the provider (Llama Stack's basic fn_defs). */
export const BASIC_FUNCTIONS: readonly ScoringFunctionDefinition[] = [
  {
    identifier: 'basic::equality',
    provider_resource_id: 'equality',
    description: 'Returns 1.0 if the input is equal to the target, 0.0 otherwise.',
    return_type: number,
    params: { type: 'basic', aggregation_functions: ['accuracy'] },
  },
  {
    identifier: 'basic::subset_of',
    provider_resource_id: 'subset-of',
    description: 'Returns 1.0 if the expected is included in generated, 0.0 otherwise.',
    return_type: number,
    params: { type: 'basic', aggregation_functions: ['accuracy'] },
  },
  {
    identifier: 'basic::regex_parser_multiple_choice_answer',
    provider_resource_id: 'regex-parser-multiple-choice-answer',
    description: 'Extract answer from response matching Answer: [the_answer_letter], and compare with expected result',
    return_type: number,
    params: { type: 'regex_parser', parsing_regexes: MULTILINGUAL_ANSWER_REGEXES.map(multipleChoicePattern), aggregation_functions: ['accuracy'] } satisfies RegexParserScoringFnParams,
  },
  {
    identifier: 'basic::regex_parser_math_response',
    provider_resource_id: 'regex-parser-math-response',
    description: 'For math related benchmarks, extract answer from the generated response and expected_answer and see if they match',
    return_type: number,
    params: { type: 'regex_parser', parsing_regexes: MATH_ANSWER_REGEXES, aggregation_functions: ['accuracy'] },
  },
  {
    identifier: 'basic::ifeval',
    provider_resource_id: 'ifeval',
    description: 'Eval intruction follow capacity by checkping how many instructions can be followed in each example',
    return_type: number,
    params: { type: 'basic', aggregation_functions: ['weighted_average'] },
  },
  {
    identifier: 'basic::docvqa',
    provider_resource_id: 'docvqa',
    description: 'DocVQA Visual Question & Answer scoring function',
    return_type: number,
    params: { type: 'basic', aggregation_functions: ['accuracy'] },
  },
];
