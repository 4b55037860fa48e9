import type { JsonSchema } from '@cria/api';

/**
 * `inline::braintrust` settings. Llama Stack's provider calls OpenAI with `openai_api_key`; here
 * the judge and embedding models are any the inference API serves.
 */
export interface BraintrustScoringConfig {
  /** The model that judges factuality and answer correctness; null: those two are not registered. */
  judge_model: string | null;
  /** An embedding model for answer similarity (alone, and as a quarter of answer correctness); null leaves both without it. */
  embedding_model: string | null;
  /** How many rows of one score request are judged at the same time. */
  max_concurrent_judgements: number;
  /** Llama Stack's key for its direct OpenAI calls, accepted so its configs load; unused (name an OpenAI model of the inference API as judge_model). */
  openai_api_key?: string | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    judge_model: { type: ['string', 'null'], default: null, description: 'The model (by the id GET /v1/models lists) that judges factuality and answer correctness; null leaves them unregistered.' },
    embedding_model: { type: ['string', 'null'], default: null, description: 'An embedding model for braintrust::answer-similarity and the similarity part of answer-correctness; null: not registered / factuality only.' },
    max_concurrent_judgements: { type: 'integer', minimum: 1, default: 4, description: 'How many rows are judged at the same time.' },
    openai_api_key: { type: ['string', 'null'], description: 'Accepted for Llama Stack configs; unused (the judge is judge_model, through the inference API).' },
  },
  additionalProperties: false,
};

export const sampleConfig = { judge_model: '${env.JUDGE_MODEL:=}', embedding_model: null };
