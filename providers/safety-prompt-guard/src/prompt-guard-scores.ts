import type { PromptGuardType } from './prompt-guard-config.js';

/** What a model's labels make it: Prompt Guard 1 (BENIGN, INJECTION, JAILBREAK) or 2 (BENIGN, MALICIOUS). */
export type PromptGuardLabels =
  | { version: 1; injection: number; jailbreak: number }
  | { version: 2; malicious: number };

/** The class indexes of a model's labels (config.json's id2label), or null when they are neither Prompt Guard's. */
export function promptGuardLabels(labels: readonly string[]): PromptGuardLabels | null {
  const index = (label: string) => labels.indexOf(label);
  if (labels.length === 3 && index('BENIGN') >= 0 && index('INJECTION') >= 0 && index('JAILBREAK') >= 0) {
    return { version: 1, injection: index('INJECTION'), jailbreak: index('JAILBREAK') };
  }
  if (labels.length === 2 && index('BENIGN') >= 0 && index('MALICIOUS') >= 0) return { version: 2, malicious: index('MALICIOUS') };
  return null;
}

/** The outcome for one text: the guard's decision and the probabilities behind it. */
export interface PromptGuardVerdict {
  flagged: boolean;
  /** Llama Stack's `prompt_injection:embedded=<p>,malicious=<p>` or `prompt_injection:malicious=<p>`. */
  violationType: string;
  /** Per category: injection = P(INJECTION) + P(JAILBREAK) (or P(MALICIOUS)), jailbreak = P(JAILBREAK) (or P(MALICIOUS)). */
  scores: { prompt_injection: number; jailbreak: number };
  /** Which categories pass the threshold; `prompt_injection` only counts for the injection guard. */
  categories: { prompt_injection: boolean; jailbreak: boolean };
}

/**
 * Judges a text from the class probabilities of its segments: each score is the highest over the
 * segments, and the violation names the probabilities of the segment that decided.
 */
export function judge(segments: readonly number[][], labels: PromptGuardLabels, guardType: PromptGuardType, threshold: number): PromptGuardVerdict {
  const scored = segments.map((probabilities) => {
    const embedded = labels.version === 1 ? probabilities[labels.injection]! : null;
    const malicious = labels.version === 1 ? probabilities[labels.jailbreak]! : probabilities[labels.malicious]!;
    return { embedded, malicious, injection: (embedded ?? 0) + malicious };
  });
  const decisive = (segment: (typeof scored)[number]) => (guardType === 'injection' ? segment.injection : segment.malicious);
  const deciding = scored.reduce((best, segment) => (decisive(segment) > decisive(best) ? segment : best));
  const injection = Math.max(...scored.map((segment) => segment.injection));
  const jailbreak = Math.max(...scored.map((segment) => segment.malicious));
  const violationType =
    guardType === 'injection' && deciding.embedded !== null
      ? `prompt_injection:embedded=${pythonFloat(deciding.embedded)},malicious=${pythonFloat(deciding.malicious)}`
      : `prompt_injection:malicious=${pythonFloat(deciding.malicious)}`;
  const categories = { prompt_injection: guardType === 'injection' && injection > threshold, jailbreak: jailbreak > threshold };
  return {
    flagged: guardType === 'injection' ? categories.prompt_injection : categories.jailbreak,
    violationType,
    scores: { prompt_injection: injection, jailbreak },
    categories,
  };
}

/** A float as Python's repr writes it (`1.0`, `1e-05`, `0.25`), so violation types read as Llama Stack's. */
export function pythonFloat(value: number): string {
  if (Number.isInteger(value)) return `${value}.0`;
  if (Math.abs(value) < 1e-4 || Math.abs(value) >= 1e16) return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(value);
}
