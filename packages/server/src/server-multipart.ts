import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { InvalidRequestError } from '@cria/api';

export interface MultipartFile {
  filename: string;
  contentType: string;
  /** The part's bytes; the form's later fields arrive only as this is read. */
  stream: Readable;
}

export interface MultipartForm {
  /** The file part, as soon as it starts; rejects (400 naming it) if the form ends without one. */
  file: Promise<MultipartFile>;
  /** Every other field, once the whole form is read; `a[b]` names nest (`{a: {b}}`), as OpenAI's clients send objects. */
  fields: Promise<Record<string, unknown>>;
  /** Stops parsing after a failure and discards the rest of the body. */
  abandon(): void;
}

const MAX_FIELDS = 32;
const MAX_FIELD_BYTES = 64 * 1024;

/** Sets `expires_after[seconds]` as `fields.expires_after.seconds`. */
function setField(fields: Record<string, unknown>, name: string, value: string): void {
  const path = name.match(/[^[\]]+/g) ?? [name];
  let target = fields;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path.at(-1)!] = value;
}

function settled<T>(promise: Promise<T>): Promise<T> {
  // Handled here so a failure nobody awaits yet is not an unhandled rejection; awaiting still throws it.
  promise.catch(() => undefined);
  return promise;
}

/**
 * Reads a multipart/form-data request as it streams: the named file part is handed over as a
 * stream (never buffered), the other fields are collected. Other file parts are discarded.
 */
export function readMultipartForm(req: IncomingMessage, fileField: string): MultipartForm {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FIELDS + 1 } });
  } catch (error) {
    const failure = new InvalidRequestError(`Send the upload as multipart/form-data: ${(error as Error).message}.`);
    return { file: settled(Promise.reject(failure)), fields: settled(Promise.reject(failure)), abandon: () => req.resume() };
  }
  const fields: Record<string, unknown> = {};
  let resolveFile!: (file: MultipartFile) => void;
  let rejectFile!: (error: Error) => void;
  let resolveFields!: (fields: Record<string, unknown>) => void;
  let rejectFields!: (error: Error) => void;
  const file = settled(new Promise<MultipartFile>((resolve, reject) => ((resolveFile = resolve), (rejectFile = reject))));
  const done = settled(new Promise<Record<string, unknown>>((resolve, reject) => ((resolveFields = resolve), (rejectFields = reject))));
  let fileSeen = false;

  parser.on('file', (name, stream, info) => {
    if (name !== fileField || fileSeen) {
      stream.resume();
      return;
    }
    fileSeen = true;
    resolveFile({ filename: info.filename || 'uploaded_file', contentType: info.mimeType, stream });
  });
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) {
      rejectFields(new InvalidRequestError(`The form field '${name}' is longer than ${MAX_FIELD_BYTES} bytes.`, { param: name }));
      return;
    }
    setField(fields, name, value);
  });
  parser.on('fieldsLimit', () => rejectFields(new InvalidRequestError(`The form has more than ${MAX_FIELDS} fields.`)));
  parser.on('close', () => {
    resolveFields(fields);
    if (!fileSeen) rejectFile(new InvalidRequestError(`Missing required parameter: '${fileField}'.`, { param: fileField }));
  });
  parser.on('error', (error: Error) => {
    const failure = new InvalidRequestError(`The multipart body could not be read: ${error.message}.`);
    rejectFile(failure);
    rejectFields(failure);
  });
  req.pipe(parser);
  return {
    file,
    fields: done,
    abandon: () => {
      req.unpipe(parser);
      req.resume();
    },
  };
}
