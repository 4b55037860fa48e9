import type { JsonSchema } from '@cria/api';

/** `inline::localfs` datasetio settings (Llama Stack's LocalFSDatasetIOConfig, plus where files may be read from). */
export interface LocalfsDatasetIOConfig {
  /** The kv store of appended rows (Llama Stack's KVStoreReference). */
  kvstore: { backend: string; namespace?: string | null };
  /**
   * Directories whose files (paths and `file://` URIs, with `~` and paths relative to the
   * distribution file resolved) may be registered as datasets; a path elsewhere is refused.
   * Empty: no server paths, only `data:` URIs, Files API uploads and inline rows.
   */
  allowed_dirs: string[];
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    kvstore: {
      type: 'object',
      properties: {
        backend: { type: 'string', minLength: 1, description: 'A kv_* backend of storage.backends.' },
        namespace: { type: ['string', 'null'], default: 'datasetio::localfs' },
      },
      required: ['backend'],
      additionalProperties: false,
      description: 'Where appended rows are kept.',
    },
    allowed_dirs: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'Directories whose files may be registered by path or file:// URI; empty allows none (data: URIs, uploaded file ids and rows always work).',
    },
  },
  required: ['kvstore'],
  additionalProperties: false,
};

export const sampleConfig = {
  kvstore: { namespace: 'datasetio::localfs', backend: 'kv_default' },
  allowed_dirs: ['${env.DATASETS_DIR:=~/.cria/distributions/starter/datasets}'],
};
