import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.7.1's ScoringFunctions (GET/POST /v1/scoring-functions, GET/DELETE
 * /v1/scoring-functions/{id}) and Scoring (POST /v1/scoring/score, POST /v1/scoring/score-batch) APIs.
 */

const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const rows: JsonSchema = { type: 'array', items: anyObject };

const aggregationFunctionType: JsonSchema = {
  type: 'string',
  enum: ['average', 'weighted_average', 'median', 'categorical_count', 'accuracy'],
  description: 'How score rows are aggregated: accuracy ({accuracy, num_correct, num_total}), average, weighted_average (by each row\'s `weight`), median, categorical_count (rows per score).',
};

const aggregationFunctions: JsonSchema = { type: 'array', items: ref('AggregationFunctionType'), description: 'Aggregation functions to apply to the scores of each row.' };

const basicParams = object(
  { type: { type: 'string', enum: ['basic'] }, aggregation_functions: aggregationFunctions },
  { required: ['type'], additionalProperties: false, title: 'BasicScoringFnParams' },
);

const llmAsJudgeParams = object(
  {
    type: { type: 'string', enum: ['llm_as_judge'] },
    judge_model: { type: 'string', minLength: 1, description: 'The model (served by the inference API) that judges.' },
    prompt_template: nullable({ type: 'string', description: 'The judge\'s prompt, with `{input_query}`, `{expected_answer}` and `{generated_answer}` filled from the row.' }),
    judge_score_regexes: { type: 'array', items: { type: 'string' }, description: 'Regexes over the judge\'s answer; the first that matches gives the score (its group 1).' },
    aggregation_functions: aggregationFunctions,
  },
  { required: ['type', 'judge_model'], additionalProperties: false, title: 'LLMAsJudgeScoringFnParams' },
);

const regexParserParams = object(
  {
    type: { type: 'string', enum: ['regex_parser'] },
    parsing_regexes: { type: 'array', items: { type: 'string' }, description: 'Regexes that extract the answer (group 1) from the generated answer; the first that matches wins.' },
    aggregation_functions: aggregationFunctions,
  },
  { required: ['type'], additionalProperties: false, title: 'RegexParserScoringFnParams' },
);

const scoringFnParams: JsonSchema = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [ref('LLMAsJudgeScoringFnParams'), ref('RegexParserScoringFnParams'), ref('BasicScoringFnParams')],
  title: 'ScoringFnParams',
};

const returnType = object(
  { type: { type: 'string', enum: ['string', 'number', 'boolean', 'array', 'object', 'json', 'union', 'chat_completion_input', 'completion_input', 'agent_turn_input'] } },
  { required: ['type'], title: 'ScoringFnReturnType', description: 'The type a scoring function returns (Llama Stack\'s ParamType: StringType, NumberType, ...).' },
);

const scoringFn = object(
  {
    identifier: { type: 'string' },
    provider_resource_id: nullable({ type: 'string' }),
    provider_id: { type: 'string' },
    type: { type: 'string', enum: ['scoring_function'] },
    description: nullable({ type: 'string' }),
    metadata: anyObject,
    return_type: ref('ScoringFnReturnType'),
    params: nullable(ref('ScoringFnParams')),
  },
  { required: ['identifier', 'provider_id', 'type', 'return_type', 'metadata'], title: 'ScoringFn', description: 'A scoring function resource for evaluating model outputs.' },
);

const listScoringFunctionsResponse = object({ data: { type: 'array', items: ref('ScoringFn') } }, { required: ['data'], title: 'ListScoringFunctionsResponse' });

const registerScoringFunctionRequest = object(
  {
    scoring_fn_id: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    return_type: ref('ScoringFnReturnType'),
    provider_scoring_fn_id: nullable({ type: 'string', minLength: 1, description: 'The function at the provider; scoring_fn_id when absent.' }),
    provider_id: nullable({ type: 'string', minLength: 1, description: 'The scoring provider; may be left out when only one is enabled.' }),
    params: nullable(ref('ScoringFnParams')),
  },
  { required: ['scoring_fn_id', 'description', 'return_type'], additionalProperties: false, title: 'RegisterScoringFunctionRequest' },
);

const scoringFunctionsMap: JsonSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: { anyOf: [ref('ScoringFnParams'), { type: 'null' }] },
  description: 'Scoring function ids, each with params that override the function\'s own (or null).',
};

const scoreRequest = object(
  { input_rows: { ...rows, description: 'The rows to score.' }, scoring_functions: scoringFunctionsMap },
  { required: ['input_rows', 'scoring_functions'], additionalProperties: false, title: 'ScoreRequest' },
);

const scoringResult = object(
  {
    score_rows: { ...rows, description: 'One result per row (`score`, and what the function adds).' },
    aggregated_results: { ...anyObject, description: 'Aggregation function name to its result.' },
  },
  { required: ['score_rows', 'aggregated_results'], title: 'ScoringResult' },
);

const scoreResponse = object(
  { results: { type: 'object', additionalProperties: ref('ScoringResult') } },
  { required: ['results'], title: 'ScoreResponse' },
);

const scoreBatchRequest = object(
  {
    dataset_id: { type: 'string', minLength: 1 },
    scoring_functions: scoringFunctionsMap,
    save_results_dataset: { type: 'boolean', default: false, description: 'Also save the rows with their scores as a new dataset (its id is the reply\'s dataset_id).' },
  },
  { required: ['dataset_id', 'scoring_functions'], additionalProperties: false, title: 'ScoreBatchRequest' },
);

const scoreBatchResponse = object(
  {
    dataset_id: nullable({ type: 'string', description: 'The dataset the scored rows were saved to, with save_results_dataset.' }),
    results: { type: 'object', additionalProperties: ref('ScoringResult') },
  },
  { required: ['results'], title: 'ScoreBatchResponse' },
);

export const scoringSchemas: Record<string, JsonSchema> = {
  AggregationFunctionType: aggregationFunctionType,
  BasicScoringFnParams: basicParams,
  LLMAsJudgeScoringFnParams: llmAsJudgeParams,
  RegexParserScoringFnParams: regexParserParams,
  ScoringFnParams: scoringFnParams,
  ScoringFnReturnType: returnType,
  ScoringFn: scoringFn,
  ListScoringFunctionsResponse: listScoringFunctionsResponse,
  RegisterScoringFunctionRequest: registerScoringFunctionRequest,
  ScoreRequest: scoreRequest,
  ScoringResult: scoringResult,
  ScoreResponse: scoreResponse,
  ScoreBatchRequest: scoreBatchRequest,
  ScoreBatchResponse: scoreBatchResponse,
};
