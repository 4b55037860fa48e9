import { scanCode } from './code-scanner-engine.js';
import { guessLanguage, languageOfLabel, languageOfPath } from './code-scanner-language.js';
import type { CodeFinding, ScannedLanguage } from './code-scanner-types.js';

/** A fenced code block of a Markdown message. */
export interface FencedBlock {
  /** The info string's language, or undefined for an unlabeled block. */
  language: ScannedLanguage | undefined;
  /** The info string as written (`python`, `ts title="a.ts"`, empty). */
  info: string;
  /** The block's content, without the fences. */
  code: string;
  /** The 1-based line of the message on which the content starts. */
  startLine: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/gm;

/**
 * The fenced code blocks of a Markdown text, as CommonMark reads them: an opening fence of three or
 * more backticks or tildes (an info string after it; no backtick in a backtick fence's info), closed
 * by a fence of the same character at least as long, or by the end of the text.
 */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let line = 1;
  let counted = 0;
  FENCE_OPEN.lastIndex = 0;
  for (let open = FENCE_OPEN.exec(text); open; open = FENCE_OPEN.exec(text)) {
    const fence = open[1]!;
    const info = open[2]!;
    if (fence[0] === '`' && info.includes('`')) continue;
    for (let index = text.indexOf('\n', counted); index !== -1 && index < open.index; index = text.indexOf('\n', index + 1)) line++;
    counted = open.index;
    const contentStart = open.index + open[0].length + 1;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*\\r?$`, 'gm');
    close.lastIndex = Math.min(contentStart, text.length);
    const closing = contentStart > text.length ? null : close.exec(text);
    const contentEnd = closing ? Math.max(contentStart, closing.index - 1) : text.length;
    blocks.push({ language: languageOfLabel(info), info: info.trim(), code: text.slice(Math.min(contentStart, text.length), contentEnd), startLine: line + 1 });
    FENCE_OPEN.lastIndex = closing ? closing.index + closing[0].length : text.length;
  }
  return blocks;
}

/**
 * Scans the code in a message: each fenced block in its labelled (or guessed) language. Lines are the
 * message's. Text outside fences is not code and is not scanned.
 */
export function scanMessage(text: string): CodeFinding[] {
  const findings: CodeFinding[] = [];
  for (const block of fencedBlocks(text)) {
    for (const finding of scanCode(block.code, block.language)) {
      findings.push({ ...finding, line: finding.line + block.startLine - 1 });
    }
  }
  return findings;
}

/** Keys whose string value names the language of the code beside it. */
const LANGUAGE_KEYS = new Set(['language', 'lang', 'programming_language', 'languageId']);
/** Keys whose string value is a file path, whose extension names the language of the code beside it. */
const PATH_KEYS = new Set(['path', 'file', 'filename', 'file_path', 'filePath', 'name', 'target_file']);
/** Strings shorter than this are identifiers or flags, not code. */
const SHORTEST_CODE = 12;

/**
 * Scans the code in a tool call's arguments (the JSON string a model produced): every string value,
 * in the language a sibling `language` field or file path gives, else as a message when it has fenced
 * blocks, else in its guessed language. Arguments that are not valid JSON (cut short) have each of
 * their string literals scanned.
 */
export function scanToolCallArguments(argumentsJson: string): CodeFinding[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsJson);
  } catch {
    return scanBrokenJson(argumentsJson);
  }
  const findings: CodeFinding[] = [];
  const visit = (value: unknown, path: string[], siblingLanguage: ScannedLanguage | undefined): void => {
    if (typeof value === 'string') {
      findings.push(...scanString(value, siblingLanguage, path.length > 0 ? path.join('.') : undefined));
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, String(index)], siblingLanguage));
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      let language: ScannedLanguage | undefined;
      for (const [key, field] of entries) {
        if (typeof field !== 'string') continue;
        if (LANGUAGE_KEYS.has(key)) language ??= languageOfLabel(field);
        else if (PATH_KEYS.has(key)) language ??= languageOfPath(field);
      }
      for (const [key, field] of entries) {
        if (typeof field === 'string' && (LANGUAGE_KEYS.has(key) || PATH_KEYS.has(key))) continue;
        visit(field, [...path, key], language);
      }
    }
  };
  visit(parsed, [], undefined);
  return findings;
}

const JSON_STRING = /"((?:[^"\\]|\\.)*)(?:"|$)/g;

/** Arguments cut short or malformed (a streamed call, a model's slip): each string literal in them is decoded and scanned. */
function scanBrokenJson(argumentsJson: string): CodeFinding[] {
  const findings: CodeFinding[] = [];
  JSON_STRING.lastIndex = 0;
  for (let literal = JSON_STRING.exec(argumentsJson); literal; literal = JSON_STRING.exec(argumentsJson)) {
    if (literal[0].length === 0) break;
    let value = literal[1]!;
    try {
      value = JSON.parse(`"${value.endsWith('\\') && !value.endsWith('\\\\') ? value.slice(0, -1) : value}"`) as string;
    } catch {
      // Not a valid JSON string: scanned as written.
    }
    findings.push(...scanString(value, undefined, undefined));
  }
  return findings;
}

function scanString(value: string, language: ScannedLanguage | undefined, argument: string | undefined): CodeFinding[] {
  if (value.length < SHORTEST_CODE) return [];
  const findings =
    language === undefined && /^ {0,3}(?:```|~~~)/m.test(value) ? scanMessage(value) : scanCode(value, language ?? guessLanguage(value) ?? 'other');
  return argument === undefined ? findings : findings.map((finding) => ({ ...finding, argument }));
}
