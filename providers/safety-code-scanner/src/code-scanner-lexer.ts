import type { ScannedLanguage } from './code-scanner-types.js';

/**
 * A source seen three ways, all of the same length and line structure so that an offset in one is
 * the same place in the others:
 * - `raw`: the source as given;
 * - `text`: comments blanked (spaces, newlines kept), string literals kept;
 * - `code`: comments blanked and the contents of string literals blanked (their quotes and prefixes
 *   kept, and the `${...}` expressions of JavaScript template literals kept), so a rule matching code
 *   is not set off by a comment or by text inside a string, and parentheses balance.
 */
export interface SourceViews {
  raw: string;
  text: string;
  code: string;
}

interface LexicalSyntax {
  /** The characters at which something lexical may start; the scan jumps from one to the next (natively, which is much faster than a loop over characters). */
  special: RegExp;
  hash: boolean;
  slashComments: boolean;
  singleQuoteStrings: boolean;
  tripleQuotes: boolean;
  /** Go's raw strings: backtick, no escapes. */
  rawBacktick: boolean;
  /** JavaScript's template literals (backtick, `${...}` expressions) and regular expression literals. */
  javascript: boolean;
}

const SYNTAX: Record<Exclude<ScannedLanguage, 'other'>, LexicalSyntax> = {
  python: { special: /[#"']/g, hash: true, slashComments: false, singleQuoteStrings: true, tripleQuotes: true, rawBacktick: false, javascript: false },
  javascript: { special: /[/"'`{}]/g, hash: false, slashComments: true, singleQuoteStrings: true, tripleQuotes: false, rawBacktick: false, javascript: true },
  typescript: { special: /[/"'`{}]/g, hash: false, slashComments: true, singleQuoteStrings: true, tripleQuotes: false, rawBacktick: false, javascript: true },
  java: { special: /[/"']/g, hash: false, slashComments: true, singleQuoteStrings: true, tripleQuotes: true, rawBacktick: false, javascript: false },
  go: { special: /[/"'`]/g, hash: false, slashComments: true, singleQuoteStrings: true, tripleQuotes: false, rawBacktick: true, javascript: false },
  c: { special: /[/"']/g, hash: false, slashComments: true, singleQuoteStrings: true, tripleQuotes: false, rawBacktick: false, javascript: false },
};

const NEWLINE = 10;
const TEMPLATE_SPECIAL = /[\\`$]/g;
const BACKSLASH = 92;
const SLASH = 47;
const STAR = 42;
/** Characters after which a `/` starts a regular expression literal rather than a division. */
const BEFORE_REGEX = new Set('(,=:[!&|?{};+-*%<>~^'.split('').map((character) => character.charCodeAt(0)));

/** Splits a source into its views; for `other`, all three are the source itself. */
export function sourceViews(source: string, language: ScannedLanguage): SourceViews {
  if (language === 'other') return { raw: source, text: source, code: source };
  const syntax = SYNTAX[language];
  const special = syntax.special;
  special.lastIndex = 0;
  /** Start and end offsets of the comments, then of the string contents, in pairs. */
  const comments: number[] = [];
  const literals: number[] = [];
  /** Brace depths of the `${...}` expressions we are inside, innermost last. */
  const templateDepths: number[] = [];
  let braceDepth = 0;

  const comment = (start: number, end: number): void => {
    comments.push(start, end);
  };
  const literal = (contentStart: number, contentEnd: number): void => {
    if (contentEnd > contentStart) literals.push(contentStart, contentEnd);
  };
  /** The end of a quoted string's content: the closing quote's offset (or the line's end when unclosed and single-line). */
  const closeQuote = (from: number, quote: string, escapes: boolean, multiline: boolean): number => {
    const lineEnd = multiline ? source.length : (source.indexOf('\n', from) + 1 || source.length + 1) - 1;
    for (let index = source.indexOf(quote, from); index !== -1 && index < lineEnd; index = source.indexOf(quote, index + 1)) {
      if (!escapes) return index;
      let backslashes = 0;
      while (source.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return index;
    }
    if (!multiline && escapes && lineEnd < source.length && source.charCodeAt(lineEnd - 1) === BACKSLASH) return closeQuote(lineEnd + 1, quote, escapes, multiline);
    return lineEnd;
  };
  /** Scans a template literal's text from `from`; returns where scanning resumes. */
  const templateText = (from: number): number => {
    TEMPLATE_SPECIAL.lastIndex = from;
    for (let found = TEMPLATE_SPECIAL.exec(source); found; found = TEMPLATE_SPECIAL.exec(source)) {
      const index = found.index;
      const character = source.charCodeAt(index);
      if (character === BACKSLASH) TEMPLATE_SPECIAL.lastIndex = index + 2;
      else if (character === 96) {
        literal(from, index);
        return index + 1;
      } else if (character === 36 && source.charCodeAt(index + 1) === 123) {
        literal(from, index);
        templateDepths.push(braceDepth);
        braceDepth++;
        return index + 2;
      }
    }
    literal(from, source.length);
    return source.length;
  };

  let position = 0;
  while (position < source.length) {
    special.lastIndex = position;
    const found = special.exec(source);
    if (!found) break;
    const start = found.index;
    const character = source.charCodeAt(start);
    position = start + 1;
    if (character === 35 /* # */) {
      const end = source.indexOf('\n', start);
      comment(start, end === -1 ? source.length : end);
      position = end === -1 ? source.length : end;
    } else if (character === SLASH && syntax.slashComments && source.charCodeAt(start + 1) === SLASH) {
      const end = source.indexOf('\n', start);
      comment(start, end === -1 ? source.length : end);
      position = end === -1 ? source.length : end;
    } else if (character === SLASH && syntax.slashComments && source.charCodeAt(start + 1) === STAR) {
      const end = source.indexOf('*/', start + 2);
      position = end === -1 ? source.length : end + 2;
      comment(start, position);
    } else if (character === SLASH) {
      if (!syntax.javascript) continue;
      let before = start - 1;
      while (before >= 0 && (source.charCodeAt(before) === 32 || source.charCodeAt(before) === 9)) before--;
      if (before >= 0 && !BEFORE_REGEX.has(source.charCodeAt(before)) && source.charCodeAt(before) !== NEWLINE) continue;
      let end = start + 1;
      let inClass = false;
      for (; end < source.length; end++) {
        const next = source.charCodeAt(end);
        if (next === NEWLINE) break;
        if (next === BACKSLASH) end++;
        else if (next === 91) inClass = true;
        else if (next === 93) inClass = false;
        else if (next === SLASH && !inClass) break;
      }
      if (end >= source.length || source.charCodeAt(end) !== SLASH) continue;
      literal(start + 1, end);
      position = end + 1;
    } else if (character === 123 /* { */) {
      braceDepth++;
    } else if (character === 125 /* } */) {
      braceDepth--;
      if (templateDepths.length > 0 && braceDepth === templateDepths[templateDepths.length - 1]) {
        templateDepths.pop();
        position = templateText(start + 1);
      }
    } else if (character === 96 /* ` */) {
      if (syntax.javascript) position = templateText(start + 1);
      else if (syntax.rawBacktick) {
        const end = closeQuote(start + 1, '`', false, true);
        literal(start + 1, end);
        position = end + 1;
      }
    } else {
      const quote = String.fromCharCode(character);
      if (quote === "'" && !syntax.singleQuoteStrings) continue;
      if (syntax.tripleQuotes && source.startsWith(quote.repeat(3), start)) {
        const end = closeQuote(start + 3, quote.repeat(3), true, true);
        literal(start + 3, end);
        position = end + 3;
      } else {
        const end = closeQuote(start + 1, quote, true, false);
        literal(start + 1, end);
        position = end + 1;
      }
    }
  }
  if (comments.length === 0 && literals.length === 0) return { raw: source, text: source, code: source };
  return blankedViews(source, comments, literals);
}

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * The text and code views, built in one buffer (blanking comments, then string contents) rather than
 * from pieces. A source within Latin-1 (most code) is built one byte per character, which also keeps
 * the views one-byte strings, faster to match.
 */
function blankedViews(source: string, comments: readonly number[], literals: readonly number[]): SourceViews {
  const encoding = BEYOND_LATIN1.test(source) ? 'utf16le' : 'latin1';
  const bytes = Buffer.from(source, encoding);
  const units =
    encoding === 'latin1' ? bytes : bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, source.length) : new Uint16Array(Buffer.from(bytes).buffer, 0, source.length);
  const blank = (ranges: readonly number[]): void => {
    for (let index = 0; index < ranges.length; index += 2) {
      const start = ranges[index]!;
      const end = Math.min(ranges[index + 1]!, source.length);
      units.fill(32, start, end);
      for (let newline = source.indexOf('\n', start); newline !== -1 && newline < end; newline = source.indexOf('\n', newline + 1)) units[newline] = NEWLINE;
    }
  };
  const asString = (): string => (encoding === 'latin1' ? bytes.toString('latin1') : Buffer.from(units.buffer, units.byteOffset, source.length * 2).toString('utf16le'));
  blank(comments);
  const text = comments.length === 0 ? source : asString();
  blank(literals);
  return { raw: source, text, code: literals.length === 0 ? text : asString() };
}
