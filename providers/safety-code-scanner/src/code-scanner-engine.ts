import { guessLanguage } from './code-scanner-language.js';
import { sourceViews, type SourceViews } from './code-scanner-lexer.js';
import { CODE_RULES, PATH_SANITISER, UNTRUSTED_INPUT, type CodeRule, type RuleMatch } from './code-scanner-rules.js';
import type { CodeFinding, Language, ScannedLanguage } from './code-scanner-types.js';

interface CompiledRule {
  rule: CodeRule;
  pattern: RegExp;
}

interface LanguageRules {
  rules: readonly CompiledRule[];
  /** All the rules' triggers in one pattern, so that one pass over a source tells which rules may match. */
  triggers: RegExp;
  /** For each trigger, the indexes (in `rules`) of the rules it lets run. */
  rulesByTrigger: ReadonlyMap<string, readonly number[]>;
  /** Trigger keys (`triggerKey`) that only one trigger has: once seen, its repeats can be skipped without a lookup. */
  uniqueKeys: Uint8Array;
}

const KEY_SPACE = 128 * 64;
/** A cheap key of a trigger: its first character and its length. */
const triggerKey = (trigger: string): number => (trigger.charCodeAt(0) & 127) * 64 + Math.min(trigger.length, 63);

const LANGUAGES: readonly ScannedLanguage[] = ['python', 'javascript', 'typescript', 'java', 'go', 'c', 'other'];

function compileLanguage(language: ScannedLanguage): LanguageRules {
  const rules = CODE_RULES.filter((rule) => (rule.languages === 'all' ? true : language !== 'other' && rule.languages.includes(language))).map((rule) => ({
    rule,
    pattern: new RegExp(rule.pattern, `g${rule.flags ?? ''}`),
  }));
  const rulesByTrigger = new Map<string, number[]>();
  rules.forEach(({ rule }, index) => {
    for (const trigger of rule.triggers) rulesByTrigger.set(trigger, [...(rulesByTrigger.get(trigger) ?? []), index]);
  });
  // A match of a trigger consumes it, hiding any trigger inside it: the longer one lets the inner one's rules run too.
  for (const [trigger, indexes] of rulesByTrigger) {
    const inner = [...rulesByTrigger].filter(([other]) => other !== trigger && trigger.includes(other)).flatMap(([, otherIndexes]) => otherIndexes);
    if (inner.length > 0) rulesByTrigger.set(trigger, [...new Set([...indexes, ...inner])]);
  }
  // Longest first, so a trigger that contains another is not hidden by it.
  const alternatives = [...rulesByTrigger.keys()].sort((a, b) => b.length - a.length).map((trigger) => trigger.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const keyCounts = new Uint8Array(KEY_SPACE);
  for (const trigger of rulesByTrigger.keys()) keyCounts[triggerKey(trigger)]!++;
  const uniqueKeys = keyCounts.map((count) => (count === 1 ? 1 : 0));
  return { rules, triggers: new RegExp(alternatives.join('|'), 'g'), rulesByTrigger, uniqueKeys };
}

/** The rules of each language, their patterns compiled once. */
const RULES_BY_LANGUAGE: ReadonlyMap<ScannedLanguage, LanguageRules> = new Map(LANGUAGES.map((language) => [language, compileLanguage(language)]));

const SNIPPET_LENGTH = 160;

/** Scans one piece of code; without a language, it is guessed (and only the secret rules run when it cannot be). */
export function scanCode(source: string, language?: ScannedLanguage): CodeFinding[] {
  return scanSource(source, language ?? guessLanguage(source) ?? 'other');
}

/** The offsets at which lines start, for turning match offsets into lines. */
function lineStarts(source: string): number[] {
  const starts = [0];
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

function lineIndexOf(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The offset of the `)` closing the `(` at `open`, in the code view (where strings and comments are blank). */
function closingParenthesis(code: string, open: number): number | undefined {
  let depth = 0;
  const limit = Math.min(code.length, open + 20_000);
  for (let index = open; index < limit; index++) {
    const character = code.charCodeAt(index);
    if (character === 40 || character === 91 || character === 123) depth++;
    else if (character === 41 || character === 93 || character === 125) {
      depth--;
      if (depth === 0) return index;
      if (depth < 0) return undefined;
    }
  }
  return undefined;
}

/** The end of the first top-level argument between `start` and `end` in the code view. */
function firstArgumentEnd(code: string, start: number, end: number): number {
  let depth = 0;
  for (let index = start; index < end; index++) {
    const character = code.charCodeAt(index);
    if (character === 40 || character === 91 || character === 123) depth++;
    else if (character === 41 || character === 93 || character === 125) depth--;
    else if (character === 44 && depth === 0) return index;
  }
  return end;
}

const ASSIGNMENT = /(?:\b(\w+)|\{([\w\s,:]+)\})\s*(?::=|=(?!=))[ \t]*([^\n;]*)/g;

/** Names assigned (directly or by destructuring) from request input in this source, unless passed through a sanitiser. */
function taintedNamesIn(code: string, language: Language): Set<string> {
  const input = UNTRUSTED_INPUT[language];
  const names = new Set<string>();
  if (!input?.test(code)) return names;
  ASSIGNMENT.lastIndex = 0;
  for (let assignment = ASSIGNMENT.exec(code); assignment; assignment = ASSIGNMENT.exec(code)) {
    const value = assignment[3]!;
    if (!input.test(value) || PATH_SANITISER.test(value)) continue;
    if (assignment[1]) names.add(assignment[1]);
    else for (const name of assignment[2]!.split(/[\s,:]+/)) if (name) names.add(name);
  }
  return names;
}

function snippetOf(raw: string, lineStart: number, secret?: { start: number; end: number }): string {
  let lineEnd = raw.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = raw.length;
  let line = raw.slice(lineStart, lineEnd);
  if (secret) {
    const from = secret.start - lineStart;
    const to = Math.min(secret.end, lineEnd) - lineStart;
    const shown = Math.min(4, Math.floor((to - from) / 4));
    line = `${line.slice(0, from + shown)}${'*'.repeat(8)}${line.slice(to)}`;
  }
  line = line.trim();
  return line.length > SNIPPET_LENGTH ? `${line.slice(0, SNIPPET_LENGTH - 1)}…` : line;
}

function scanSource(source: string, language: ScannedLanguage): CodeFinding[] {
  const { rules, triggers, rulesByTrigger, uniqueKeys } = RULES_BY_LANGUAGE.get(language)!;
  const triggered = new Uint8Array(rules.length);
  const seenKeys = new Uint8Array(KEY_SPACE);
  let remaining = rules.length;
  triggers.lastIndex = 0;
  for (let found = triggers.exec(source); found && remaining > 0; found = triggers.exec(source)) {
    const key = triggerKey(found[0]);
    if (uniqueKeys[key] === 1 && seenKeys[key] === 1) continue;
    seenKeys[key] = 1;
    for (const index of rulesByTrigger.get(found[0])!) {
      if (triggered[index] === 0) remaining--;
      triggered[index] = 1;
    }
  }
  if (remaining === rules.length) return [];
  let views: SourceViews | undefined;
  let starts: number[] | undefined;
  let tainted: Set<string> | undefined;
  const findings: CodeFinding[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < rules.length; index++) {
    if (triggered[index] === 0) continue;
    const { rule, pattern } = rules[index]!;
    views ??= sourceViews(source, language);
    const currentViews = views;
    const view = views[rule.view];
    pattern.lastIndex = 0;
    for (let match = pattern.exec(view); match; match = pattern.exec(view)) {
      if (match[0].length === 0) pattern.lastIndex++;
      if (rule.check) {
        const matchEnd = match.index + match[0].length;
        const open = currentViews.code.charCodeAt(matchEnd - 1) === 40 ? matchEnd - 1 : -1;
        const close = open === -1 ? undefined : closingParenthesis(currentViews.code, open);
        const ruleMatch: RuleMatch = {
          match,
          language,
          callArguments: (which = 'code') => (close === undefined ? undefined : currentViews[which].slice(open + 1, close)),
          firstArgument: (which = 'code') => (close === undefined ? undefined : currentViews[which].slice(open + 1, firstArgumentEnd(currentViews.code, open + 1, close))),
          taintedNames: () => (tainted ??= language === 'other' ? new Set() : taintedNamesIn(currentViews.code, language)),
        };
        if (!rule.check(ruleMatch)) continue;
      }
      starts ??= lineStarts(source);
      const lineIndex = lineIndexOf(starts, match.index);
      const key = `${rule.id}\n${lineIndex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let secret: { start: number; end: number } | undefined;
      if (rule.secretGroup !== undefined) {
        const value = match[rule.secretGroup]!;
        const start = match.index + match[0].lastIndexOf(value);
        secret = { start, end: start + value.length };
      }
      findings.push({
        rule_id: rule.id,
        severity: rule.severity,
        cwe: rule.cwe,
        message: rule.description,
        language,
        line: lineIndex + 1,
        column: match.index - starts[lineIndex]! + 1,
        snippet: snippetOf(source, starts[lineIndex]!, secret),
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0) || a.rule_id.localeCompare(b.rule_id));
}
