import { defineProvider } from '@cria/api';
import { configSchema, type LlmAsJudgeConfig, sampleConfig } from './llm-as-judge-config.js';
import { LlmAsJudgeScoring } from './llm-as-judge-scoring.js';
import { configValidator } from '../generated/config-validator.js';

export type { LlmAsJudgeConfig } from './llm-as-judge-config.js';
export { LLM_AS_JUDGE_FUNCTIONS, SIMPLEQA_GRADER_TEMPLATE } from './llm-as-judge-functions.js';
export { fillTemplate, LlmAsJudgeScoring } from './llm-as-judge-scoring.js';

export default defineProvider<'scoring', LlmAsJudgeConfig, 'inference'>({
  api: 'scoring',
  providerType: 'inline::llm-as-judge',
  description: 'Scores rows with a judge model of the inference API: a prompt template filled from the row, the score parsed with judge_score_regexes (llm-as-judge::base, llm-as-judge::405b-simpleqa, and registered judges).',
  configSchema,
  configValidator,
  sampleConfig,
  dependencies: ['inference'],
  create: (config, context) => LlmAsJudgeScoring.create(config, context),
});
