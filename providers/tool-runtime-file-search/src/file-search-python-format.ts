/**
 * Python's `str.format` and `repr` for the values Llama Stack formats into its file_search
 * templates, so the text the model reads is byte for byte Llama Stack's: metadata dicts shown as
 * `{'key': 'value', 'n': None}`, scores as Python floats (`1.0`, `1e-05`).
 */

/** A template that Python's str.format would refuse, or a field it would not find. */
export class TemplateFormatError extends Error {
  override name = 'TemplateFormatError';
}

/** How numbers that hold whole values are shown: as Python ints (`3`) or floats (`3.0`). */
export interface PythonReprOptions {
  /** Show every number as a float, as a pydantic `float` (or `str | float | bool`) field holds it. */
  numbersAsFloat?: boolean;
}

/** Python's repr() of a float (its shortest round-tripping form, `repr` style). */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest digits that round-trip, as Python's repr.
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.slice(1);
    const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction ? `.${fraction}` : ''}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
}

function pythonNumber(value: number, options: PythonReprOptions): string {
  if (Number.isInteger(value) && !options.numbersAsFloat) return BigInt(value).toString();
  return pythonFloat(value);
}

const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** Python's repr() of a str: single quotes unless the text has some and no double ones; escapes as Python's. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (character === quote || character === '\\') out += `\\${character}`;
    else if (character === '\n') out += '\\n';
    else if (character === '\r') out += '\\r';
    else if (character === '\t') out += '\\t';
    else if (character !== ' ' && NOT_PRINTABLE.test(character)) {
      if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += `\\U${code.toString(16).padStart(8, '0')}`;
    } else out += character;
  }
  return out + quote;
}

/**
 * Python's repr() of a JSON-like value: None, True/False, ints and floats, str, lists, dicts
 * (a Map keeps its keys' order exactly; a plain object puts integer-like keys first, as JavaScript does).
 */
export function pythonRepr(value: unknown, options: PythonReprOptions = {}): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value, options);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((item) => pythonRepr(item, options)).join(', ')}]`;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${pythonRepr(key, options)}: ${pythonRepr(item, options)}`).join(', ')}}`;
}

/** Python's str() of a value: text as it is, anything else as its repr. */
export function pythonStr(value: unknown, options: PythonReprOptions = {}): string {
  return typeof value === 'string' ? value : pythonRepr(value, options);
}

/** One replacement field of a template: `{name.attribute[key]!r}`. */
interface ReplacementField {
  name: string;
  /** Attribute and item lookups after the name, in order. */
  path: string[];
  conversion: 'r' | 's' | 'a' | null;
}

type TemplatePart = string | ReplacementField;

function parseField(text: string, template: string): ReplacementField {
  const colon = text.indexOf(':');
  if (colon >= 0 && colon < text.length - 1) throw new TemplateFormatError(`format specs (':${text.slice(colon + 1)}') are not supported in templates: ${JSON.stringify(template)}`);
  let field = colon >= 0 ? text.slice(0, colon) : text;
  let conversion: ReplacementField['conversion'] = null;
  const bang = field.indexOf('!');
  if (bang >= 0) {
    const kind = field.slice(bang + 1);
    if (kind !== 'r' && kind !== 's' && kind !== 'a') throw new TemplateFormatError(`unknown conversion '!${kind}' in template ${JSON.stringify(template)}`);
    conversion = kind;
    field = field.slice(0, bang);
  }
  const match = /^([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\])*)$/.exec(field);
  if (!match) throw new TemplateFormatError(`'{${text}}' is not a named field (templates take named fields only): ${JSON.stringify(template)}`);
  const path = [...match[2]!.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]/g)].map((step) => step[1] ?? step[2]!);
  return { name: match[1]!, path, conversion };
}

const parsed = new Map<string, TemplatePart[]>();

/** A template cut into literal text and replacement fields, as Python's string.Formatter parses it. */
function parseTemplate(template: string): TemplatePart[] {
  const known = parsed.get(template);
  if (known) return known;
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let position = 0; position < template.length; position++) {
    const character = template[position]!;
    if (character === '}') {
      if (template[position + 1] !== '}') throw new TemplateFormatError(`Single '}' encountered in template ${JSON.stringify(template)}`);
      literal += '}';
      position++;
    } else if (character === '{') {
      if (template[position + 1] === '{') {
        literal += '{';
        position++;
        continue;
      }
      const end = template.indexOf('}', position);
      if (end < 0) throw new TemplateFormatError(`Single '{' encountered in template ${JSON.stringify(template)}`);
      const inner = template.slice(position + 1, end);
      if (inner.includes('{')) throw new TemplateFormatError(`nested fields are not supported in template ${JSON.stringify(template)}`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(parseField(inner, template));
      position = end;
    } else literal += character;
  }
  if (literal) parts.push(literal);
  // Templates come from configuration (a handful); the bound only guards other callers.
  if (parsed.size >= 256) parsed.clear();
  parsed.set(template, parts);
  return parts;
}

/** The top-level field names a template uses; throws TemplateFormatError when Python could not format it. */
export function templateFields(template: string): string[] {
  return [...new Set(parseTemplate(template).flatMap((part) => (typeof part === 'string' ? [] : [part.name])))];
}

function lookup(value: unknown, step: string, field: ReplacementField): unknown {
  if (value instanceof Map) {
    if (value.has(step)) return value.get(step);
  } else if (value !== null && typeof value === 'object' && Object.hasOwn(value, step)) {
    return (value as Record<string, unknown>)[step];
  }
  throw new TemplateFormatError(`the template's field '${[field.name, ...field.path].join('.')}' has no '${step}'`);
}

/**
 * Python's `template.format(**fields)` for named fields with attribute or item lookups and
 * `!r` / `!s` conversions; `repr` decides how non-text values show (their Python repr by default).
 */
export function pythonFormat(template: string, fields: Readonly<Record<string, unknown>>, options: PythonReprOptions = {}): string {
  let out = '';
  for (const part of parseTemplate(template)) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    if (!Object.hasOwn(fields, part.name)) throw new TemplateFormatError(`the template names '{${part.name}}', which is not one of ${Object.keys(fields).map((name) => `{${name}}`).join(', ')}`);
    const value = part.path.reduce((current, step) => lookup(current, step, part), fields[part.name]);
    out += part.conversion === 'r' || part.conversion === 'a' ? pythonRepr(value, options) : pythonStr(value, options);
  }
  return out;
}
