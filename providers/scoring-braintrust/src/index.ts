import { defineProvider } from '@cria/api';
import { type BraintrustScoringConfig, configSchema, sampleConfig } from './braintrust-config.js';
import { BraintrustScoring } from './braintrust-scoring.js';
import { configValidator } from '../generated/config-validator.js';

export type { BraintrustScoringConfig } from './braintrust-config.js';
export { correctnessPrompt, FACTUALITY_SCORES, factualF1, factualityPrompt, parseClassification, parseFactualityChoice, type StatementClassification } from './braintrust-prompts.js';
export { BraintrustScoring, UNREGISTERED_BRAINTRUST_FUNCTIONS } from './braintrust-scoring.js';

export default defineProvider<'scoring', BraintrustScoringConfig, 'inference'>({
  api: 'scoring',
  providerType: 'inline::braintrust',
  description: 'Autoevals-style scorers: factuality and answer correctness judged by a model of the inference API, answer similarity by an embedding model, exact match and Levenshtein locally.',
  configSchema,
  configValidator,
  sampleConfig,
  dependencies: ['inference'],
  create: (config, context) => BraintrustScoring.create(config, context),
});
