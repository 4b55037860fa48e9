import type { JsonSchema } from '@cria/api';

/** Where models live when `models_dir` is not set and CRIA_MODELS_DIR is unset (the llama.cpp provider's folder too). */
export const DEFAULT_MODELS_DIR = '~/.cria/models';

/** Settings of `inline::transformers` (Llama Stack's config has no keys; the starter gives none). */
export interface TransformersSettings {
  /**
   * The folder holding one folder per reranker, named as the model id (`BAAI/bge-reranker-base/`
   * with config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx). `~` is the
   * home directory; a relative path resolves against the distribution's directory. Default:
   * CRIA_MODELS_DIR, else ~/.cria/models.
   */
  models_dir?: string | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    models_dir: { type: ['string', 'null'], description: 'Folder of model folders (<model id>/config.json, tokenizer.json, onnx/model.onnx); default CRIA_MODELS_DIR, else ~/.cria/models.' },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  models_dir: '${env.CRIA_MODELS_DIR:=~/.cria/models}',
};
