import type { BatchError } from '@cria/api';

/** One non-blank line of an input file, numbered from 1 as the file's lines are. */
export interface InputLine {
  line: number;
  text: string;
}

const NEWLINE = 0x0a;

/** The non-blank lines of a JSONL stream, read as they arrive (the file is never held whole). */
export async function* readLines(stream: AsyncIterable<Uint8Array>): AsyncIterable<InputLine> {
  let carry: Buffer | null = null;
  let line = 0;
  for await (const part of stream) {
    const chunk: Buffer = carry ? Buffer.concat([carry, part]) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      line++;
      const text = chunk.toString('utf8', start, end).trim();
      if (text) yield { line, text };
      start = end + 1;
    }
    carry = start < chunk.length ? Buffer.from(chunk.subarray(start)) : null;
  }
  if (carry) {
    const text = carry.toString('utf8').trim();
    if (text) yield { line: line + 1, text };
  }
}

/** The body fields each endpoint needs, with the JSON types they must have (as Llama Stack checks them). */
const REQUIRED_BODY_FIELDS: Readonly<Record<string, readonly (readonly [field: string, check: (value: unknown) => boolean, kind: string])[]>> = {
  '/v1/chat/completions': [['model', isString, 'a string'], ['messages', Array.isArray, 'an array']],
  '/v1/completions': [['model', isString, 'a string'], ['prompt', (value) => isString(value) || Array.isArray(value), 'a string or an array']],
  '/v1/embeddings': [['model', isString, 'a string'], ['input', (value) => isString(value) || Array.isArray(value), 'a string or array of strings']],
  '/v1/responses': [['model', isString, 'a string'], ['input', (value) => isString(value) || Array.isArray(value), 'a string or an array']],
};

const LINE_FIELDS = [
  ['custom_id', isString, 'a string'],
  ['method', isString, 'a string'],
  ['url', isString, 'a string'],
  ['body', isObject, 'a JSON dictionary object'],
] as const;

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function capitalized(field: string): string {
  return field === 'url' ? 'URL' : field.charAt(0).toUpperCase() + field.slice(1);
}

/** A line that passed validation, as the runner sends it. */
export interface BatchLineRequest {
  customId: string;
  body: Record<string, unknown>;
}

/**
 * Checks one line of a batch's input file as Llama Stack's reference provider does (and OpenAI
 * documents): JSON, an object with `custom_id`, `method` (POST), `url` (the batch's endpoint) and
 * `body` (no streaming; the endpoint's required fields), a custom_id used once. The model is
 * checked by the caller. Returns the errors of the line (none when it is valid) and its request.
 */
export function checkLine(input: InputLine, endpoint: string, seenCustomIds: Set<string>): { errors: BatchError[]; request: BatchLineRequest | null } {
  const { line } = input;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.text);
  } catch {
    return { errors: [{ code: 'invalid_json_line', line, message: 'This line is not parseable as valid JSON.', param: null }], request: null };
  }
  if (!isObject(parsed)) return { errors: [{ code: 'invalid_request', line, message: 'Each line must be a JSON dictionary object', param: null }], request: null };
  const errors: BatchError[] = [];
  for (const [field, check, kind] of LINE_FIELDS) {
    if (!(field in parsed)) errors.push({ code: 'missing_required_parameter', line, message: `Missing required parameter: ${field}`, param: field });
    else if (!check(parsed[field])) errors.push({ code: 'invalid_request', line, message: `${capitalized(field)} must be ${kind}`, param: field });
  }
  const { custom_id: customId, method, url, body } = parsed;
  if (isString(customId)) {
    if (seenCustomIds.has(customId)) {
      errors.push({ code: 'duplicate_custom_id', line, message: 'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.', param: 'custom_id' });
    }
    seenCustomIds.add(customId);
  }
  if (isString(method) && method.toUpperCase() !== 'POST') {
    errors.push({ code: 'invalid_request', line, message: `Method '${method}' is not supported; batch requests use POST.`, param: 'method' });
  }
  if (isString(url) && url !== endpoint) {
    errors.push({ code: 'invalid_url', line, message: 'URL provided for this request does not match the batch endpoint', param: 'url' });
  }
  if (isObject(body)) {
    if (body.stream) errors.push({ code: 'streaming_unsupported', line, message: 'Streaming is not supported in batch processing', param: 'body.stream' });
    if (body.background) errors.push({ code: 'invalid_request', line, message: 'Background responses are not supported in batch processing', param: 'body.background' });
    for (const [field, check, kind] of REQUIRED_BODY_FIELDS[endpoint] ?? []) {
      if (!(field in body)) errors.push({ code: 'invalid_request', line, message: `${capitalized(field)} parameter is required`, param: `body.${field}` });
      else if (!check(body[field])) errors.push({ code: 'invalid_request', line, message: `${capitalized(field)} must be ${kind}`, param: `body.${field}` });
    }
  }
  if (errors.length || !isString(customId) || !isObject(body)) return { errors, request: null };
  return { errors, request: { customId, body } };
}
