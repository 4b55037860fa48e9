import { apiSchemas, type JsonSchema, type VectorStoresConfig } from '@cria/api';

/** `inline::file-search` settings (Llama Stack's FileSearchToolRuntimeConfig). */
export interface FileSearchToolRuntimeConfig {
  /**
   * The templates and retrieval settings, in the distribution's `vector_stores` format; used only
   * when the distribution has no `vector_stores` section (which Llama Stack puts in its place).
   */
  vector_stores_config?: VectorStoresConfig | null;
}

const { title: _title, ...vectorStoresSchema } = apiSchemas.definitions.VectorStoresConfig!;

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    vector_stores_config: {
      anyOf: [{ ...vectorStoresSchema, description: 'The `vector_stores` settings to use when the distribution has no `vector_stores` section.' }, { type: 'null' }],
    },
  },
  additionalProperties: false,
};

export const sampleConfig = {};
