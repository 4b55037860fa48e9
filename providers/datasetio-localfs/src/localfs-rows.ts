import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { JSONParser } from '@streamparser/json';
import { parse as parseCsv } from 'csv-parse';
import { asyncBufferFromFile, type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { type DatasetRow, type FilesApi, InvalidRequestError, readFileContent } from '@cria/api';
import { openStream, type ResolvedSource } from './localfs-sources.js';

const PARAM = 'source.uri';

function unreadable(detail: string, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(`The dataset's source cannot be read: ${detail}`, { param: PARAM, ...(cause ? { cause } : {}) });
}

function asRow(value: unknown, where: string): DatasetRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw unreadable(`${where} is not a JSON object (each row must be one).`);
  return value as DatasetRow;
}

/** Values JSON can carry: Parquet's 64-bit integers as numbers (strings past 2^53), dates as ISO strings, bytes as base64. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonValue(inner)]));
  return value;
}

/** CSV rows keyed by the header line; cells stay strings (pandas would infer numeric columns). */
async function* csvRows(stream: Readable, startIndex: number): AsyncGenerator<DatasetRow> {
  const parser = stream.pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, from: startIndex + 1 }));
  stream.on('error', (error) => parser.destroy(error));
  try {
    for await (const record of parser) yield record as DatasetRow;
  } catch (error) {
    throw unreadable(`invalid CSV (${(error as Error).message}).`, error);
  } finally {
    stream.destroy();
    parser.destroy();
  }
}

/** JSON Lines: lines before `startIndex` are counted, not parsed. */
async function* jsonlRows(stream: Readable, startIndex: number): AsyncGenerator<DatasetRow> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let index = 0;
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (!line.trim()) continue;
      if (index++ < startIndex) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw unreadable(`line ${lineNumber} is not JSON (${(error as Error).message}).`, error);
      }
      yield asRow(value, `line ${lineNumber}`);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** A JSON array of objects (or an object whose `rows` or `data` is one), parsed as it streams: one element at a time is held. */
async function* jsonRows(stream: Readable, startIndex: number): AsyncGenerator<DatasetRow> {
  let parser: JSONParser | null = null;
  const ready: unknown[] = [];
  let index = 0;
  try {
    for await (const chunk of stream) {
      const text = chunk as Buffer;
      if (!parser) {
        const first = text.toString('utf8').trimStart()[0];
        if (first === undefined) continue;
        if (first !== '[' && first !== '{') throw unreadable('the JSON document is not an array of rows.');
        // The rows are the top-level array's elements, or those of its `rows` or `data` array.
        parser = new JSONParser({ paths: first === '[' ? ['$.*'] : ['$.rows.*', '$.data.*'], keepStack: false });
        parser.onValue = ({ value }) => void ready.push(value);
      }
      try {
        parser.write(text);
      } catch (error) {
        throw unreadable(`invalid JSON (${(error as Error).message}).`, error);
      }
      while (ready.length) {
        const value = ready.shift();
        if (index++ >= startIndex) yield asRow(value, `element ${index - 1}`);
      }
    }
  } finally {
    stream.destroy();
  }
}

/**
 * Parquet rows from `startIndex`: only the row groups holding the page are read (a file on the
 * server is read at the offsets needed; bytes in memory and uploads are read whole first, Parquet
 * needing random access). Snappy-compressed and uncompressed files are read.
 */
async function* parquetRows(source: ResolvedSource, files: FilesApi | null, startIndex: number, batch: number): AsyncGenerator<DatasetRow> {
  let file: AsyncBuffer;
  if (source.kind === 'path') file = await asyncBufferFromFile(source.path);
  else {
    const bytes = source.kind === 'bytes' ? source.bytes : await readFileContent(await files!.retrieveFileContent(source.fileId));
    file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  let total: number;
  try {
    total = Number((await parquetMetadataAsync(file)).num_rows);
  } catch (error) {
    throw unreadable(`invalid Parquet (${(error as Error).message}).`, error);
  }
  for (let rowStart = startIndex; rowStart < total; rowStart += batch) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, rowStart, rowEnd: Math.min(total, rowStart + batch) });
    } catch (error) {
      throw unreadable(`Parquet rows ${rowStart}.. (${(error as Error).message}).`, error);
    }
    for (const row of rows) yield jsonValue(row) as DatasetRow;
  }
}

/**
 * The rows of a URI source from `startIndex` on, read forward and lazily: stop iterating and the
 * file is closed. `batch` is how many Parquet rows are decoded at a time (the page size asked).
 */
export async function* sourceRows(source: ResolvedSource, files: FilesApi | null, startIndex: number, batch: number): AsyncGenerator<DatasetRow> {
  if (source.format === 'parquet') {
    yield* parquetRows(source, files, startIndex, Math.max(batch, 1));
    return;
  }
  const stream = await openStream(source, files);
  if (source.format === 'csv') yield* csvRows(stream, startIndex);
  else if (source.format === 'jsonl') yield* jsonlRows(stream, startIndex);
  else yield* jsonRows(stream, startIndex);
}
