import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, isAbsolute, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type FilesApi, InvalidRequestError } from '@cria/api';

/** The formats rows are read from. */
export type RowFormat = 'csv' | 'jsonl' | 'json' | 'parquet';

/** Where a URI source's bytes are: a file on the server, bytes in memory, or an upload of the Files API. */
export type ResolvedSource =
  | { kind: 'path'; path: string; format: RowFormat }
  | { kind: 'bytes'; bytes: Buffer; format: RowFormat }
  | { kind: 'file-id'; fileId: string; format: RowFormat };

const PARAM = 'source.uri';

/** A Files API id as OpenAI and Llama Stack give them (`file-<hex>`). */
const FILE_ID = /^file-[A-Za-z0-9_-]+$/;

export function formatOfName(name: string): RowFormat | null {
  switch (extname(name).toLowerCase()) {
    case '.csv':
      return 'csv';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    case '.json':
      return 'json';
    case '.parquet':
      return 'parquet';
    default:
      return null;
  }
}

/** The format of a `data:` URI's media type; Llama Stack reads `text/*` as CSV. */
function formatOfMediaType(mediaType: string): RowFormat | null {
  const type = mediaType.toLowerCase();
  if (type.includes('parquet')) return 'parquet';
  if (type.includes('jsonl') || type.includes('ndjson') || type.includes('jsonlines')) return 'jsonl';
  if (type.includes('json')) return 'json';
  if (type.includes('csv') || type.startsWith('text/')) return 'csv';
  return null;
}

const unsupportedFormat = (what: string) =>
  new InvalidRequestError(`${what} is not a format this provider reads: use CSV (.csv), JSON Lines (.jsonl), JSON (.json, an array of objects) or Parquet (.parquet).`, { param: PARAM });

/** Decodes a `data:` URI (RFC 2397), base64 or percent-encoded. */
export function decodeDataUri(uri: string): { mediaType: string; bytes: Buffer } {
  const comma = uri.indexOf(',');
  if (comma < 0) throw new InvalidRequestError('The data: URI has no comma before its data.', { param: PARAM });
  const header = uri.slice('data:'.length, comma);
  const parts = header.split(';');
  const base64 = parts.at(-1)?.toLowerCase() === 'base64';
  const mediaType = parts[0] || 'text/plain';
  const payload = uri.slice(comma + 1);
  return { mediaType, bytes: base64 ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8') };
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path;
}

/**
 * Where a URI source is and in which format. Paths are checked to be inside `allowedDirs` (after
 * resolving links), so a client cannot read any file of the server.
 */
export async function resolveSource(uri: string, options: { allowedDirs: readonly string[]; distributionDir: string; files: FilesApi | null }): Promise<ResolvedSource> {
  if (uri.startsWith('data:')) {
    const { mediaType, bytes } = decodeDataUri(uri);
    const format = formatOfMediaType(mediaType);
    if (!format) throw unsupportedFormat(`The data: URI's media type '${mediaType}'`);
    return { kind: 'bytes', bytes, format };
  }
  const fileId = FILE_ID.test(uri) ? uri : uri.startsWith('files/') && FILE_ID.test(uri.slice('files/'.length)) ? uri.slice('files/'.length) : null;
  if (fileId) {
    if (!options.files) throw new InvalidRequestError(`'${uri}' names an uploaded file, but this distribution serves no files API.`, { param: PARAM });
    const file = await options.files.retrieveFile(fileId);
    const format = formatOfName(file.filename);
    if (!format) throw unsupportedFormat(`The uploaded file '${file.filename}'`);
    return { kind: 'file-id', fileId, format };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://')) {
    throw new InvalidRequestError(`'${uri.split('://')[0]}://' URIs are not read by inline::localfs: upload the file to the Files API and use its id, or give a path on the server.`, { param: PARAM });
  }
  const given = uri.startsWith('file://') ? fileURLToPath(uri) : expandHome(uri);
  const format = formatOfName(given);
  if (!format) throw unsupportedFormat(`'${uri}'`);
  const path = isAbsolute(given) ? given : resolve(options.distributionDir, given);
  let real: string;
  try {
    real = await realpath(path);
    if (!(await stat(real)).isFile()) throw new Error('not a file');
  } catch {
    throw new InvalidRequestError(`No file at '${uri}' on the server.`, { param: PARAM });
  }
  const allowed = await Promise.all(options.allowedDirs.map(async (dir) => realpath(resolve(options.distributionDir, expandHome(dir))).catch(() => null)));
  if (!allowed.some((dir) => dir !== null && (real === dir || real.startsWith(dir.endsWith(sep) ? dir : dir + sep)))) {
    throw new InvalidRequestError(`'${uri}' is outside the directories this provider may read (allowed_dirs); upload it to the Files API instead.`, { param: PARAM });
  }
  return { kind: 'path', path: real, format };
}

/** The source's bytes as a stream, read once. */
export async function openStream(source: ResolvedSource, files: FilesApi | null): Promise<Readable> {
  if (source.kind === 'path') return createReadStream(source.path);
  if (source.kind === 'bytes') return Readable.from([source.bytes]);
  return (await files!.retrieveFileContent(source.fileId)).stream;
}
