import type { JsonSchema } from '@cria/api';

/** Where models live when `models_dir` is not set and CRIA_MODELS_DIR is unset (the llama.cpp provider's folder too). */
export const DEFAULT_MODELS_DIR = '~/.cria/models';

/** Settings of `inline::sentence-transformers` (the `config` of its provider entry in a distribution). */
export interface SentenceTransformersSettings {
  /**
   * Llama Stack's switch for models whose Python code comes from their repository (nomic's
   * NomicBert). Accepted for compatibility and without effect here: an ONNX export runs no
   * repository code, and transformers.js knows these architectures itself. Default false.
   */
  trust_remote_code: boolean;
  /**
   * The folder holding one folder per model, named as the model id (`nomic-ai/nomic-embed-text-v1.5/`
   * with config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx, and
   * sentence-transformers' modules.json and 1_Pooling/config.json when the model has them).
   * `~` is the home directory; a relative path resolves against the distribution's directory.
   * Default: CRIA_MODELS_DIR, else ~/.cria/models.
   */
  models_dir?: string | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    trust_remote_code: { type: 'boolean', default: false, description: "Llama Stack's setting for models with repository code; no effect on ONNX exports." },
    models_dir: { type: ['string', 'null'], description: 'Folder of model folders (<model id>/config.json, tokenizer.json, onnx/model.onnx); default CRIA_MODELS_DIR, else ~/.cria/models.' },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  trust_remote_code: false,
  models_dir: '${env.CRIA_MODELS_DIR:=~/.cria/models}',
};
