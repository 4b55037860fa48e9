import { defineProvider } from '@cria/api';
import { BasicScoring } from './basic-scoring.js';
import { type BasicScoringConfig, configSchema, sampleConfig } from './basic-config.js';
import { configValidator } from '../generated/config-validator.js';

export { normalizeDocvqaAnswer } from './basic-docvqa.js';
export { BASIC_FUNCTIONS, MATH_ANSWER_REGEXES } from './basic-functions.js';
export { asksLanguage, IFEVAL_INSTRUCTIONS, scoreIfevalRow } from './basic-ifeval.js';
export { detectedLanguage, loadLanguageDetector } from './basic-language.js';
export { extractResultFromBoxed, firstAnswer, normalizeFinalAnswer, pythonExponent, tryEvaluateFrac, tryEvaluateLatex } from './basic-math.js';
export { findAll, pythonRegex } from './basic-regex.js';
export { BasicScoring } from './basic-scoring.js';

export default defineProvider<'scoring', BasicScoringConfig>({
  api: 'scoring',
  providerType: 'inline::basic',
  description: 'Llama Stack\'s basic scoring functions: equality, subset_of, regex_parser_multiple_choice_answer, regex_parser_math_response, ifeval, docvqa.',
  configSchema,
  configValidator,
  sampleConfig,
  create: () => new BasicScoring(),
});
