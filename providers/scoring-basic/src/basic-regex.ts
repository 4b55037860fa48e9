import { InvalidRequestError } from '@cria/api';

/**
 * A regex written for Python's `re` (as Llama Stack's functions and clients write them) as a
 * JavaScript RegExp: `(?P<name>` and `(?P=name)` groups, and leading global flags such as `(?i)`.
 */
export function pythonRegex(pattern: string, param: string, flags = ''): RegExp {
  let source = pattern;
  const extra = new Set(flags);
  for (let leading = /^\(\?([aiLmsux]+)\)/.exec(source); leading; leading = /^\(\?([aiLmsux]+)\)/.exec(source)) {
    for (const flag of leading[1]!) if (flag === 'i' || flag === 'm' || flag === 's') extra.add(flag);
    source = source.slice(leading[0].length);
  }
  source = source.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\Z/g, '$').replace(/\\A/g, '^');
  try {
    return new RegExp(source, [...extra].join(''));
  } catch (error) {
    throw new InvalidRequestError(`'${pattern}' is not a regular expression this server can run: ${(error as Error).message}`, { param, cause: error });
  }
}

/** Python's re.findall: each match's only group, its first group when it has several, else the whole match. */
export function findAll(regex: RegExp, text: string): string[] {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`);
  return [...text.matchAll(global)].map((match) => (match.length > 1 ? (match[1] ?? '') : match[0]));
}
