import type { ModerationResult } from '@cria/api';
import { LLAMA_GUARD_CATEGORIES, LLAMA_GUARD_CODES, type LlamaGuardCode, OPENAI_CATEGORIES_BY_CODE } from './llama-guard-categories.js';
import { CANNED_RESPONSE_TEXT } from './llama-guard-reply.js';

type InputType = 'text' | 'image';

/**
 * One moderation result: every Llama Guard category by name and the OpenAI categories they
 * overlap, true with score 1.0 when violated and false with 0.0 otherwise. (Llama Stack scores
 * every category 1.0 when the input is safe; a score of certainty in a violation that was not
 * found is 0.0 here.) `inputTypes` are what the model judged (`text`, plus `image` for a vision
 * model shown the input's images).
 */
export function moderationResult(codes: readonly LlamaGuardCode[], inputTypes: readonly InputType[]): ModerationResult {
  const violated = new Set(codes);
  const categories: Record<string, boolean> = {};
  const categoryScores: Record<string, number> = {};
  const appliedInputTypes: Record<string, InputType[]> = {};
  const mark = (name: string, flagged: boolean) => {
    categories[name] = (categories[name] ?? false) || flagged;
    categoryScores[name] = categories[name] ? 1 : 0;
    appliedInputTypes[name] = categories[name] ? [...inputTypes] : [];
  };
  for (const code of LLAMA_GUARD_CODES) {
    mark(LLAMA_GUARD_CATEGORIES[code], violated.has(code));
    for (const openaiName of OPENAI_CATEGORIES_BY_CODE[code]) mark(openaiName, violated.has(code));
  }
  const flagged = violated.size > 0;
  return {
    flagged,
    categories,
    category_scores: categoryScores,
    category_applied_input_types: appliedInputTypes,
    user_message: flagged ? CANNED_RESPONSE_TEXT : null,
    metadata: flagged ? { violation_type: [...codes] } : {},
  };
}
