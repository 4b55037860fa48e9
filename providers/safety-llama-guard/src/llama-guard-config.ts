import type { JsonSchema } from '@cria/api';
import { LLAMA_GUARD_CODES, type LlamaGuardCode } from './llama-guard-categories.js';

/** `inline::llama-guard` settings (Llama Stack's LlamaGuardConfig). */
export interface LlamaGuardConfig {
  /**
   * Category codes (`S1`..`S14`) left out of the prompt; a reply naming only these passes.
   * Listing all fourteen leaves none out, as in Llama Stack.
   */
  excluded_categories: LlamaGuardCode[];
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    excluded_categories: {
      type: 'array',
      items: { type: 'string', enum: [...LLAMA_GUARD_CODES] },
      uniqueItems: true,
      default: [],
      description: 'Llama Guard category codes (S1..S14) to leave out of the prompt and to let through.',
    },
  },
  additionalProperties: false,
};

export const sampleConfig = { excluded_categories: [] };
