/**
 * Llama Stack's math answer normalisation (math_utils, after Minerva's): the final answer is
 * extracted (the regex, else the last \boxed{}), units and TeX noise removed, fractions and square
 * roots written one way; then numbers and simple TeX arithmetic are evaluated and printed as
 * Python's `{:.2e}` so `0.5`, `\frac{1}{2}` and `1/2` compare equal.
 */
import { findAll } from './basic-regex.js';

const SUBSTITUTIONS: readonly [string, string][] = [
  ['an ', ''],
  ['a ', ''],
  ['.$', '$'],
  ['\\$', ''],
  ['\\ ', ''],
  [' ', ''],
  ['mbox', 'text'],
  [',\\text{and}', ','],
  ['\\text{and}', ','],
  ['\\text{m}', '\\text{}'],
];

const REMOVED_EXPRESSIONS = [
  'square', 'ways', 'integers', 'dollars', 'mph', 'inches', 'ft', 'hours', 'km', 'units', '\\ldots', 'sue', 'points', 'feet', 'minutes', 'digits', 'cents', 'degrees', 'cm', 'gm', 'pounds', 'meters', 'meals', 'edges', 'students', 'childrentickets', 'multiples',
  '\\text{s}', '\\text{.}', '\\text{\ns}', '\\text{}^2', '\\text{}^3', '\\text{\n}', '\\text{}', '\\mathrm{th}', '^\\circ', '^{\\circ}', '\\;', ',\\!', '{,}', '"', '\\dots',
];

const replaceAll = (text: string, from: string, to: string) => text.split(from).join(to);

/** Python's `f"{value:.2e}"`. */
export function pythonExponent(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toExponential(2).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's float() of a string, or null where it raises. */
function pythonFloat(text: string): number | null {
  const trimmed = text.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) return Number(trimmed);
  if (/^[+-]?(inf|infinity)$/i.test(trimmed)) return trimmed.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(trimmed)) return NaN;
  return null;
}

export function firstAnswer(text: string, markers: readonly string[] = ['Q:', 'A:']): string {
  let answer = text;
  for (const marker of markers) answer = answer.split(marker)[0]!;
  return answer;
}

export function extractResultFromBoxed(answer: string): string {
  const start = answer.lastIndexOf('\\boxed');
  if (start < 0) return '';
  let rest = answer.slice(start + '\\boxed'.length).trim();
  const curly = rest.startsWith('{');
  let depth = 0;
  let found = false;
  for (let index = 0; index < rest.length; index++) {
    if (rest[index] === '{') depth++;
    else if (rest[index] === '}') depth--;
    if (depth === 0) {
      if (curly) {
        rest = rest.slice(0, index + 1).trim();
        found = true;
        break;
      }
      if (rest[index] === '$') {
        rest = rest.slice(0, index).trim();
        found = true;
        break;
      }
    }
  }
  if (!found) return '';
  while (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1).trim();
  return rest;
}

function fixSqrt(text: string): string {
  if (!text.includes('\\sqrt')) return text;
  const [head, ...parts] = text.split('\\sqrt');
  let result = head!;
  for (const part of parts) {
    if (part.length === 0) return text;
    result += part[0] !== '{' ? `\\sqrt{${part[0]}}${part.slice(1)}` : `\\sqrt${part}`;
  }
  return result;
}

function fixFracs(text: string): string {
  const [head, ...parts] = text.split('\\frac');
  let result = head!;
  for (const part of parts) {
    result += '\\frac';
    if (part.length === 0) return text;
    if (part[0] === '{') {
      result += part;
      continue;
    }
    if (part.length < 2) return text;
    const [a, b] = [part[0]!, part[1]!];
    const post = part.slice(2);
    result += b !== '{' ? `{${a}}{${b}}${post}` : `{${a}}${b}${post}`;
  }
  return result;
}

function fixSlash(text: string): string {
  const parts = text.split('/');
  if (parts.length !== 2) return text;
  const [a, b] = parts as [string, string];
  if (!/^\s*[+-]?\d+\s*$/.test(a) || !/^\s*[+-]?\d+\s*$/.test(b)) return text;
  const [ia, ib] = [Number.parseInt(a, 10), Number.parseInt(b, 10)];
  return text === `${ia}/${ib}` ? `\\frac{${ia}}{${ib}}` : text;
}

function removeRightUnits(text: string): string {
  if (!text.includes('\\text{ ')) return text;
  const parts = text.split('\\text{ ');
  return parts.length === 2 ? parts[0]! : text;
}

function normaliseResult(input: string): string {
  let text = input.replace(/\n/g, '');
  text = replaceAll(text, '\\!', '');
  text = replaceAll(text, '\\\\', '\\');
  for (const variant of ['cfrac', 'tfrac', 'dfrac']) text = replaceAll(text, variant, 'frac');
  for (const noise of ['\\left', '\\le', '\\right', '^{\\circ}', '^\\circ', '\\$']) text = replaceAll(text, noise, '');
  text = removeRightUnits(text);
  text = replaceAll(text, '\\%', '');
  text = replaceAll(text, ' .', ' 0.');
  text = replaceAll(text, '{.', '{0.');
  if (text.length === 0) return text;
  if (text[0] === '.') text = `0${text}`;
  text = text.split('=').at(-1)!;
  text = fixSqrt(text);
  text = replaceAll(text, ' ', '');
  text = fixFracs(text);
  if (text === '0.5') text = '\\frac{1}{2}';
  return fixSlash(text);
}

/** The answer `regex` extracts (its first match, else the last \boxed{}), normalised; the text itself when nothing is extracted. */
export function normalizeFinalAnswer(finalAnswer: string, regex: RegExp, matchFirst = true): string {
  const matches = findAll(regex, finalAnswer);
  const extraction = matches.length ? (matchFirst ? matches[0]! : matches.at(-1)!) : extractResultFromBoxed(finalAnswer);
  if (extraction.length === 0) return finalAnswer;
  let answer = extraction.split('=').at(-1)!;
  for (const [before, after] of SUBSTITUTIONS) answer = replaceAll(answer, before, after);
  for (const expression of REMOVED_EXPRESSIONS) answer = replaceAll(answer, expression, '');
  answer = answer.replace(/(.*?)(\$)(.*?)(\$)(.*)/g, (_match, _a, _b, inner: string) => `$${inner}$`);
  answer = answer.replace(/(\\text\{)(.*?)(\})/g, (_match, _a, inner: string) => inner);
  answer = answer.replace(/(\\textbf\{)(.*?)(\})/g, (_match, _a, inner: string) => inner);
  answer = answer.replace(/(\\overline\{)(.*?)(\})/g, (_match, _a, inner: string) => inner);
  answer = answer.replace(/(\\boxed\{)(.*)(\})/g, (_match, _a, inner: string) => inner);
  answer = answer.replace(/(frac)([^{])(.)/g, (_match, _a, b: string, c: string) => `frac{${b}}{${c}}`);
  answer = answer.replace(/(sqrt)([^{])/g, (_match, _a, b: string) => `sqrt{${b}}`);
  answer = replaceAll(answer, '$', '');
  if (/^\d+$/.test(answer.replace(/,/g, ''))) answer = answer.replace(/,/g, '');
  if (/^\([a-zA-Z]\)/.test(answer)) answer = answer[1]!;
  return normaliseResult(answer);
}

/** Each `\frac{a}{b}` of numbers replaced by its value, as `{:.2e}`. */
export function tryEvaluateFrac(expression: string): string {
  let result = expression;
  for (const match of expression.matchAll(/\\frac{([^}]+)}{([^}]+)}/g)) {
    const [numerator, denominator] = [pythonFloat(match[1]!), pythonFloat(match[2]!)];
    if (numerator === null || denominator === null || denominator === 0) continue;
    result = result.replace(match[0], pythonExponent(numerator / denominator));
  }
  return result;
}

/**
 * TeX arithmetic evaluated to a number, as `{:.2e}`, or the expression unchanged when it is not
 * arithmetic (has symbols, or TeX this evaluator does not know): numbers, + - · × ÷ / ^, groups,
 * \frac, \sqrt, \pi. Llama Stack uses sympy's parse_latex, which knows more TeX.
 */
export function tryEvaluateLatex(expression: string): string {
  const value = evaluateTex(expression);
  return value === null ? expression : pythonExponent(value);
}

function evaluateTex(expression: string): number | null {
  const tokens = expression
    .replace(/\\left|\\right/g, '')
    .match(/\d+(?:\.\d*)?|\.\d+|\\[a-zA-Z]+|\S/g);
  if (!tokens?.length) return null;
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];
  const group = (): number | null => {
    if (peek() === '{') {
      take();
      const value = sum();
      return take() === '}' ? value : null;
    }
    return atom();
  };
  const atom = (): number | null => {
    const token = take();
    if (token === undefined) return null;
    if (/^[\d.]/.test(token)) return Number(token);
    if (token === '(' || token === '{') {
      const value = sum();
      return take() === (token === '(' ? ')' : '}') ? value : null;
    }
    if (token === '-') {
      const value = power();
      return value === null ? null : -value;
    }
    if (token === '+') return power();
    if (token === '\\pi') return Math.PI;
    if (token === '\\frac' || token === '\\dfrac' || token === '\\tfrac') {
      const [numerator, denominator] = [group(), group()];
      return numerator === null || denominator === null ? null : numerator / denominator;
    }
    if (token === '\\sqrt') {
      const value = group();
      return value === null ? null : Math.sqrt(value);
    }
    return null;
  };
  const power = (): number | null => {
    const base = atom();
    if (base === null) return null;
    if (peek() !== '^') return base;
    take();
    const exponent = group();
    return exponent === null ? null : base ** exponent;
  };
  const product = (): number | null => {
    let value = power();
    while (value !== null && ['*', '/', '\\cdot', '\\times', '\\div'].includes(peek() ?? '')) {
      const operator = take();
      const right = power();
      if (right === null) return null;
      value = operator === '/' || operator === '\\div' ? value / right : value * right;
    }
    return value;
  };
  function sum(): number | null {
    let value = product();
    while (value !== null && (peek() === '+' || peek() === '-')) {
      const operator = take();
      const right = product();
      if (right === null) return null;
      value = operator === '+' ? value + right : value - right;
    }
    return value;
  }
  const value = sum();
  return value !== null && position === tokens.length && Number.isFinite(value) ? value : null;
}
