import type { JsonSchema } from '@cria/api';

/** Where models live when `model_dir` is not set and CRIA_MODELS_DIR is unset (the llama.cpp provider's folder too). */
export const DEFAULT_MODELS_DIR = '~/.cria/models';

/** Which attack the shield blocks (Llama Stack's PromptGuardType). */
export type PromptGuardType = 'injection' | 'jailbreak';

/** Settings of `inline::prompt-guard` (the `config` of its provider entry in a distribution). */
export interface PromptGuardSettings {
  /**
   * `injection` blocks a text whose injection and jailbreak probabilities together pass
   * `threshold` (embedded instructions in data, as well as direct attacks); `jailbreak` blocks
   * only on the jailbreak probability (direct attempts to override the model's rules). With
   * Prompt Guard 2, whose one attack label is MALICIOUS, both use that label. Default `injection`.
   */
  guard_type: PromptGuardType;
  /** A probability above this blocks. Default 0.9, as Llama Stack. */
  threshold: number;
  /**
   * The folder holding one folder per model, named as the shield's `provider_shield_id`
   * (`Prompt-Guard-86M/` with config.json, tokenizer.json, tokenizer_config.json and
   * onnx/model.onnx). `~` is the home directory; a relative path resolves against the
   * distribution's directory. Default: CRIA_MODELS_DIR, else ~/.cria/models.
   */
  model_dir?: string | null;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    guard_type: { enum: ['injection', 'jailbreak'], default: 'injection', description: 'injection: P(injection) + P(jailbreak) decides; jailbreak: P(jailbreak) alone.' },
    threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'A probability above this blocks.' },
    model_dir: { type: ['string', 'null'], description: 'Folder of model folders (<provider_shield_id>/config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx); default CRIA_MODELS_DIR, else ~/.cria/models.' },
  },
  additionalProperties: false,
};

export const sampleConfig: Record<string, unknown> = {
  guard_type: 'injection',
  threshold: 0.9,
  model_dir: '${env.CRIA_MODELS_DIR:=~/.cria/models}',
};
