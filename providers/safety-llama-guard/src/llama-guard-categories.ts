/** Llama Guard 3's hazard categories by code (MLCommons' taxonomy, as Llama Stack names them). */
export const LLAMA_GUARD_CATEGORIES = {
  S1: 'Violent Crimes',
  S2: 'Non-Violent Crimes',
  S3: 'Sex Crimes',
  S4: 'Child Exploitation',
  S5: 'Defamation',
  S6: 'Specialized Advice',
  S7: 'Privacy',
  S8: 'Intellectual Property',
  S9: 'Indiscriminate Weapons',
  S10: 'Hate',
  S11: 'Self-Harm',
  S12: 'Sexual Content',
  S13: 'Elections',
  S14: 'Code Interpreter Abuse',
} as const;

export type LlamaGuardCode = keyof typeof LLAMA_GUARD_CATEGORIES;

export const LLAMA_GUARD_CODES = Object.keys(LLAMA_GUARD_CATEGORIES) as LlamaGuardCode[];

/** S1..S13: the categories of Llama Guard 3 1B, 3 11B-Vision and 4 12B. */
const LLAMA_GUARD_3_CODES = LLAMA_GUARD_CODES.filter((code) => code !== 'S14');

/**
 * The categories each known Llama Guard model was trained on, by Llama Stack's model ids and
 * their Hugging Face names. Only Llama Guard 3 8B knows S14 (Code Interpreter Abuse).
 */
const CODES_BY_MODEL: Readonly<Record<string, readonly LlamaGuardCode[]>> = {
  'Llama-Guard-3-8B': LLAMA_GUARD_CODES,
  'meta-llama/Llama-Guard-3-8B': LLAMA_GUARD_CODES,
  'Llama-Guard-3-1B': LLAMA_GUARD_3_CODES,
  'meta-llama/Llama-Guard-3-1B': LLAMA_GUARD_3_CODES,
  'Llama-Guard-3-11B-Vision': LLAMA_GUARD_3_CODES,
  'meta-llama/Llama-Guard-3-11B-Vision': LLAMA_GUARD_3_CODES,
  'Llama-Guard-4-12B': LLAMA_GUARD_3_CODES,
  'meta-llama/Llama-Guard-4-12B': LLAMA_GUARD_3_CODES,
};

/**
 * The known model id `model` names: itself, or what follows its provider prefix (this server's
 * identifiers are `provider_id/model_id`, so `vllm/meta-llama/Llama-Guard-3-1B` is Llama Guard 3 1B).
 */
function knownModelId(model: string): string | undefined {
  if (Object.hasOwn(CODES_BY_MODEL, model)) return model;
  const unprefixed = model.slice(model.indexOf('/') + 1);
  return model.includes('/') && Object.hasOwn(CODES_BY_MODEL, unprefixed) ? unprefixed : undefined;
}

/**
 * The categories to put in the prompt for `model`. A model id Llama Stack does not know (ollama's
 * `llama-guard3:1b`, a vLLM alias) gets all of S1..S14, as Llama Stack gives it.
 */
export function categoriesForModel(model: string): readonly LlamaGuardCode[] {
  const known = knownModelId(model);
  return known ? CODES_BY_MODEL[known]! : LLAMA_GUARD_CODES;
}

/** Whether `model` is Llama Guard 3 11B-Vision, the one that is shown images. */
export function isVisionModel(model: string): boolean {
  return knownModelId(model)?.endsWith('Llama-Guard-3-11B-Vision') ?? false;
}

export function isLlamaGuardCode(code: string): code is LlamaGuardCode {
  return Object.hasOwn(LLAMA_GUARD_CATEGORIES, code);
}

/**
 * OpenAI moderation categories a Llama Guard code overlaps. Codes with no OpenAI counterpart
 * (defamation, specialized advice, privacy, intellectual property, elections, code interpreter
 * abuse) are reported under their Llama Guard names only; OpenAI's harassment categories have no
 * Llama Guard counterpart and are not reported.
 */
export const OPENAI_CATEGORIES_BY_CODE: Readonly<Record<LlamaGuardCode, readonly string[]>> = {
  S1: ['violence'],
  S2: ['illicit'],
  S3: ['sexual'],
  S4: ['sexual/minors'],
  S5: [],
  S6: [],
  S7: [],
  S8: [],
  S9: ['illicit/violent'],
  S10: ['hate'],
  S11: ['self-harm'],
  S12: ['sexual'],
  S13: [],
  S14: [],
};
