import { type SafetyViolation, UpstreamError } from '@cria/api';
import { isLlamaGuardCode, LLAMA_GUARD_CATEGORIES, type LlamaGuardCode } from './llama-guard-categories.js';

/** The message Llama Stack shows the user when Llama Guard blocks. */
export const CANNED_RESPONSE_TEXT = "I can't answer that. Can I help with something else?";

/** What a Llama Guard reply says: safe, or unsafe with the codes it names. */
export type LlamaGuardVerdict = { safe: true } | { safe: false; codes: LlamaGuardCode[] };

/**
 * Reads Llama Guard's reply: `safe`, or `unsafe` followed by the codes (`unsafe\nS1,S10`). Codes
 * that are not S1..S14 are ignored; an `unsafe` with none left, or any other reply, is an
 * UpstreamError (502) naming the model and the reply.
 */
export function parseLlamaGuardReply(reply: string, model: string, providerId: string): LlamaGuardVerdict {
  const trimmed = reply.trim();
  if (trimmed.toLowerCase() === 'safe') return { safe: true };
  if (trimmed.startsWith('unsafe')) {
    const codes = [...new Set(trimmed.match(/\bS\d{1,2}\b/g) ?? [])].filter(isLlamaGuardCode);
    if (codes.length > 0) return { safe: false, codes };
  }
  throw new UpstreamError(providerId, `Llama Guard model '${model}' replied ${JSON.stringify(reply)}, which is neither 'safe' nor 'unsafe' with category codes (S1..S14).`);
}

/** The codes of a verdict that count: none when it is safe or every code it names is excluded. */
export function violatedCodes(verdict: LlamaGuardVerdict, excludedCategories: readonly LlamaGuardCode[]): LlamaGuardCode[] {
  if (verdict.safe || verdict.codes.every((code) => excludedCategories.includes(code))) return [];
  return verdict.codes;
}

/** The violation run-shield reports for violated codes (null when none), with Llama Stack's `violation_type` and the categories' names. */
export function violationFor(codes: readonly LlamaGuardCode[]): SafetyViolation | null {
  if (codes.length === 0) return null;
  return {
    violation_level: 'error',
    user_message: CANNED_RESPONSE_TEXT,
    metadata: { violation_type: codes.join(','), categories: codes.map((code) => LLAMA_GUARD_CATEGORIES[code]) },
  };
}
