import type { JsonSchema } from '@cria/api';

/**
 * Settings of __provider_type__: the `config` of its entry in a distribution. Cria validates the
 * entry against `configSchema` (defaults applied) before `create` receives it, so a mistake is
 * reported at start-up with its YAML path and line.
 */
export interface __ProviderName__Settings {
  /** Text put before every answer; none by default. */
  prefix: string;
}

/** The JSON Schema of `__ProviderName__Settings`; keep the two in step. */
export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    prefix: { type: 'string', default: '', description: 'Text put before every answer.' },
  },
  additionalProperties: false,
};

/** What `cria list-providers` and the docs show as an example config. */
export const sampleConfig: Record<string, unknown> = { prefix: '' };
