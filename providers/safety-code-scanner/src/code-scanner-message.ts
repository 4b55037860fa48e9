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

/** A fence line: up to three spaces, three or more backticks or tildes, then the info string. */
const FENCE_LINE = / {0,3}(`{3,}|~{3,})([^\n]*)/y;

/** The next line (from `from`) that is a fence, found by searching for the fence characters rather than trying every line. */
function nextFence(
  text: string,
  from: number,
  absent: Set<string>,
  character?: '`' | '~',
  minimumLength = 3,
): { start: number; end: number; fence: string; info: string } | undefined {
  // A marker not found once is not searched for again (that would rescan the rest of the text for every block).
  const markers = (character ? [character.repeat(3)] : ['```', '~~~']).filter((marker) => !absent.has(marker));
  const positions = markers.map((marker) => {
    const position = text.indexOf(marker, from);
    if (position === -1) absent.add(marker);
    return position;
  });
  while (positions.some((position) => position !== -1)) {
    const which = positions.reduce((best, position, index) => (position !== -1 && (positions[best] === -1 || position < positions[best]!) ? index : best), 0);
    const found = positions[which]!;
    const lineStart = text.lastIndexOf('\n', found - 1) + 1;
    if (lineStart >= from) {
      FENCE_LINE.lastIndex = lineStart;
      const line = FENCE_LINE.exec(text);
      if (line && line.index + line[0].length - line[2]!.length - line[1]!.length === found && line[1]!.length >= minimumLength && (!character || line[1]![0] === character)) {
        const lineEnd = text.indexOf('\n', lineStart);
        return { start: lineStart, end: lineEnd === -1 ? text.length : lineEnd, fence: line[1]!, info: line[2]! };
      }
    }
    const lineEnd = text.indexOf('\n', found);
    if (lineEnd === -1) break;
    positions[which] = text.indexOf(markers[which]!, lineEnd + 1);
  }
  return undefined;
}

/**
 * The fenced code blocks of a Markdown text, as CommonMark reads them: an opening fence of three or
 * more backticks or tildes (an info string after it; no backtick in a backtick fence's info), closed
 * by a fence of the same character at least as long with nothing after it, or by the end of the text.
 */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let line = 1;
  let counted = 0;
  let from = 0;
  const absent = new Set<string>();
  for (let open = nextFence(text, from, absent); open; open = nextFence(text, from, absent)) {
    if (open.fence[0] === '`' && open.info.includes('`')) {
      from = open.end + 1;
      continue;
    }
    for (let index = text.indexOf('\n', counted); index !== -1 && index < open.start; index = text.indexOf('\n', index + 1)) line++;
    counted = open.start;
    const contentStart = Math.min(open.end + 1, text.length);
    let closing = nextFence(text, contentStart, absent, open.fence[0] as '`' | '~', open.fence.length);
    while (closing && closing.info.trim() !== '') closing = nextFence(text, closing.end + 1, absent, open.fence[0] as '`' | '~', open.fence.length);
    const contentEnd = closing ? Math.max(contentStart, closing.start - 1) : text.length;
    blocks.push({ language: languageOfLabel(open.info), info: open.info.trim(), code: text.slice(contentStart, contentEnd), startLine: line + 1 });
    from = closing ? closing.end + 1 : text.length;
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

/**
 * Scans a text that may be a Markdown message or bare code: its fenced blocks when it has any (the
 * prose around them is not scanned), else the whole text in its guessed language (only the
 * language-independent `secrets.*` rules when no language can be guessed).
 */
export function scanText(text: string): CodeFinding[] {
  return /^ {0,3}(?:```|~~~)/m.test(text) ? scanMessage(text) : scanCode(text, guessLanguage(text) ?? 'other');
}

function scanString(value: string, language: ScannedLanguage | undefined, argument: string | undefined): CodeFinding[] {
  if (value.length < SHORTEST_CODE) return [];
  const findings = language === undefined ? scanText(value) : scanCode(value, language);
  return argument === undefined ? findings : findings.map((finding) => ({ ...finding, argument }));
}
