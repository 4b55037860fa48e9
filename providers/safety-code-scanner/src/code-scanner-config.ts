import type { JsonSchema } from '@cria/api';
import type { Severity } from './code-scanner-types.js';

/** `inline::code-scanner` settings (Llama Stack's CodeScannerConfig has none; `min_severity` is Cria's). */
export interface CodeScannerConfig {
  /** The least severity a finding must have to count: findings below it are ignored. `low` counts all. */
  min_severity: Severity;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    min_severity: {
      type: 'string',
      enum: ['low', 'medium', 'high', 'critical'],
      default: 'low',
      description: 'The least severity a finding must have to flag the content (low, medium, high, critical); findings below it are ignored.',
    },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {};
