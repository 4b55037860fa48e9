import type { JsonSchema } from '@cria/api';

/** `inline::basic` has no settings (Llama Stack's BasicScoringConfig is empty). */
export type BasicScoringConfig = Record<string, never>;

export const configSchema: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

export const sampleConfig = {};
