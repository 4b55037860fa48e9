import { type ErrorResponse, httpStatusOf, isCriaError, type KvStore, UpstreamError } from '@cria/api';

/** One line of an output or error file, in OpenAI's shape (BatchRequestOutput). */
export interface BatchOutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: unknown } | null;
  error: { code: string; message: string } | null;
}

/** The result of one input line. */
export interface LineResult {
  line: number;
  /** The request answered 200 (the output file), or with an error (the error file). */
  ok: boolean;
  /** The line of the output or error file, serialized once, when the request ends. */
  output: string;
}

/** The results written together in one kv entry: the i-th of each array is one line's. */
export interface StoredResults {
  lines: number[];
  ok: boolean[];
  outputs: string[];
}

/** The kv key of a batch, in Llama Stack's layout. */
export const batchKey = (batchId: string) => `batch:${batchId}`;
/** The kv keys of a batch's results, one per write: `result:<batch id>:<sequence>`. */
export const resultKeyPrefix = (batchId: string) => `result:${batchId}:`;
const resultKey = (batchId: string, sequence: number) => `${resultKeyPrefix(batchId)}${String(sequence).padStart(10, '0')}`;

/** A line's request id: the batch's hex id, the line and the attempt time, so a line sent again after a restart has another. */
export const requestId = (batchId: string, line: number) => `${batchId.slice('batch_'.length)}${line.toString(16).padStart(6, '0')}${Date.now().toString(16)}`;

/** The HTTP status and OpenAI error body the same request would have had from the server itself. */
export function errorReply(error: unknown): { status: number; body: ErrorResponse } {
  const envelope = (status: number, message: string, param: string | null, code: string | null): { status: number; body: ErrorResponse } => {
    const type = status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { status, body: { error: { message, type, param, code } } };
  };
  if (UpstreamError.is(error)) {
    const status = httpStatusOf(error);
    const message = error.status !== null ? `Provider '${error.provider}' answered ${error.status}: ${error.message}` : error.message;
    return envelope(status, message, error.param, error.code ?? (status >= 500 ? 'upstream_error' : null));
  }
  if (isCriaError(error)) return envelope(httpStatusOf(error), error.message, error.param, error.code ?? (error.kind === 'upstream_timeout' ? 'upstream_timeout' : null));
  return envelope(500, 'The server had an error while processing your request.', null, 'internal_error');
}

/** How long completed lines wait to be written together: one kv write per batch of results, not per line. */
const FLUSH_DELAY_MS = 25;
const FLUSH_SIZE = 512;

/**
 * Keeps a running batch's results: lines that complete within a few milliseconds are written in
 * one kv entry, and `onStored` sees them only once that write has committed, so a line is counted
 * (and skipped by a resumed batch) only when its result is on disk. Writes go out in order.
 */
export class ResultWriter {
  private pending: LineResult[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(
    private readonly kv: KvStore,
    private readonly batchId: string,
    private sequence: number,
    private readonly onStored: (results: StoredResults) => Promise<void>,
  ) {}

  add(result: LineResult): void {
    this.pending.push(result);
    if (this.pending.length >= FLUSH_SIZE) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is pending and waits for every write so far; throws the first write that failed. */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const results: StoredResults = { lines: [], ok: [], outputs: [] };
    for (const result of this.pending) {
      results.lines.push(result.line);
      results.ok.push(result.ok);
      results.outputs.push(result.output);
    }
    this.pending = [];
    const key = resultKey(this.batchId, this.sequence++);
    const write = this.kv.set(key, results);
    this.chain = this.chain.then(async () => {
      try {
        await write;
        await this.onStored(results);
      } catch (error) {
        this.failure ??= error;
      }
    });
  }
}

/** The sequence number of a result key (the next write continues after the last one kept). */
export function resultSequence(key: string): number {
  return Number(key.slice(key.lastIndexOf(':') + 1));
}
