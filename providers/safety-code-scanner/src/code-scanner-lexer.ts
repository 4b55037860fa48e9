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
  /** The characters at which something lexical may start; the scan jumps from one to the next. */
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
const BACKSLASH = 92;
const SLASH = 47;
const STAR = 42;
/** Characters after which a `/` starts a regular expression literal rather than a division. */
const BEFORE_REGEX = new Set('(,=:[!&|?{};+-*%<>~^'.split('').map((character) => character.charCodeAt(0)));

function blank(segment: string): string {
  return segment.replace(/[^\n]/g, ' ');
}

/** Splits a source into its views; for `other`, all three are the source itself. */
export function sourceViews(source: string, language: ScannedLanguage): SourceViews {
  if (language === 'other') return { raw: source, text: source, code: source };
  const syntax = SYNTAX[language];
  const special = new RegExp(syntax.special.source, 'g');
  const textParts: string[] = [];
  const codeParts: string[] = [];
  let copied = 0;
  /** Brace depths of the `${...}` expressions we are inside, innermost last. */
  const templateDepths: number[] = [];
  let braceDepth = 0;

  const comment = (start: number, end: number): void => {
    const kept = source.slice(copied, start);
    const blanked = blank(source.slice(start, end));
    textParts.push(kept, blanked);
    codeParts.push(kept, blanked);
    copied = end;
  };
  const literal = (contentStart: number, contentEnd: number): void => {
    textParts.push(source.slice(copied, contentEnd));
    codeParts.push(source.slice(copied, contentStart), blank(source.slice(contentStart, contentEnd)));
    copied = contentEnd;
  };
  /** The end of a quoted string's content: the closing quote's offset (or the line's end when unclosed). */
  const closeQuote = (from: number, quote: string, escapes: boolean, multiline: boolean): number => {
    const quoteCode = quote.charCodeAt(0);
    for (let index = from; index < source.length; index++) {
      const character = source.charCodeAt(index);
      if (escapes && character === BACKSLASH) index++;
      else if (character === NEWLINE && !multiline) return index;
      else if (character === quoteCode && (quote.length === 1 || source.startsWith(quote, index))) return index;
    }
    return source.length;
  };
  /** Scans a template literal's text from `from`; returns where scanning resumes. */
  const templateText = (from: number): number => {
    for (let index = from; index < source.length; index++) {
      const character = source.charCodeAt(index);
      if (character === BACKSLASH) index++;
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
  if (copied === 0) return { raw: source, text: source, code: source };
  const rest = source.slice(copied);
  textParts.push(rest);
  codeParts.push(rest);
  return { raw: source, text: textParts.join(''), code: codeParts.join('') };
}
