/**
 * The judge prompts, written after autoevals' documented scorers (Factuality, after OpenAI's
 * `fact` eval; AnswerCorrectness, after RAGAS) in this package's own words.
 */

/** Factuality's verdicts and the score autoevals gives each. */
export const FACTUALITY_SCORES: Readonly<Record<string, number>> = { A: 0.4, B: 0.6, C: 1, D: 0, E: 1 };

export function factualityPrompt(question: string, expert: string, submission: string): string {
  return [
    'You compare the factual content of a submitted answer with an expert answer to the same question. Ignore style, grammar and punctuation.',
    '',
    `[Question]: ${question}`,
    `[Expert answer]: ${expert}`,
    `[Submitted answer]: ${submission}`,
    '',
    'Decide which one of these holds:',
    '(A) The submitted answer is a subset of the expert answer and fully consistent with it.',
    '(B) The submitted answer is a superset of the expert answer and fully consistent with it.',
    '(C) The submitted answer contains all the same details as the expert answer.',
    '(D) The submitted answer and the expert answer disagree.',
    '(E) The answers differ, but the differences do not matter for factuality.',
    '',
    'Explain your reasoning briefly, then end with a last line of the form "Choice: X", where X is one of A, B, C, D, E.',
  ].join('\n');
}

/** The verdict of a factuality answer: its last `Choice: X`, else a lone letter answer. */
export function parseFactualityChoice(answer: string): string | null {
  const choices = [...answer.matchAll(/choice\s*[:：]\s*\(?([A-E])\)?/gi)];
  if (choices.length) return choices.at(-1)![1]!.toUpperCase();
  const lone = /^\s*\(?([A-E])\)?\s*\.?\s*$/.exec(answer);
  return lone ? lone[1]! : null;
}

export function correctnessPrompt(question: string, groundTruth: string, answer: string): string {
  return [
    'Break the answer and the ground truth below into short factual statements, then sort them:',
    '- TP: statements of the answer that the ground truth supports;',
    '- FP: statements of the answer that the ground truth does not support;',
    '- FN: statements of the ground truth that the answer leaves out.',
    '',
    `Question: ${question}`,
    `Answer: ${answer}`,
    `Ground truth: ${groundTruth}`,
    '',
    'Reply with JSON only, of the form {"TP": ["..."], "FP": ["..."], "FN": ["..."]}.',
  ].join('\n');
}

export interface StatementClassification {
  TP: string[];
  FP: string[];
  FN: string[];
}

/** The judge's classification (JSON, possibly in a code fence), or null when it gave none. */
export function parseClassification(answer: string): StatementClassification | null {
  const body = answer.replace(/^[\s\S]*?```(?:json)?\s*/i, '').replace(/```[\s\S]*$/, '');
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end < start) return null;
  try {
    const parsed = JSON.parse(body.slice(start, end + 1)) as Record<string, unknown>;
    const list = (key: string) => (Array.isArray(parsed[key]) ? (parsed[key] as unknown[]).map(String) : null);
    const [tp, fp, fn] = [list('TP'), list('FP'), list('FN')];
    return tp && fp && fn ? { TP: tp, FP: fp, FN: fn } : null;
  } catch {
    return null;
  }
}

/** RAGAS's factual F1: TP / (TP + (FP + FN) / 2); 1 when there are no statements at all. */
export function factualF1(classification: StatementClassification): number {
  const [tp, fp, fn] = [classification.TP.length, classification.FP.length, classification.FN.length];
  return tp + fp + fn === 0 ? 1 : tp / (tp + 0.5 * (fp + fn));
}
