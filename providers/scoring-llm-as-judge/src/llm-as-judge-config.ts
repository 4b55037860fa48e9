import type { JsonSchema } from '@cria/api';

/** `inline::llm-as-judge` settings (Llama Stack's LlmAsJudgeScoringConfig is empty; these bound the judge calls). */
export interface LlmAsJudgeConfig {
  /** How many rows are judged at once. */
  max_concurrent_judgements: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    max_concurrent_judgements: { type: 'integer', minimum: 1, default: 4, description: 'How many rows of one score request are judged at the same time.' },
  },
  additionalProperties: false,
};

export const sampleConfig = { max_concurrent_judgements: 4 };
