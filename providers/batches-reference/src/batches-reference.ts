import { createHash, randomBytes } from 'node:crypto';
import { type Context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  type Batch,
  type BatchError,
  type BatchesProvider,
  ConflictError,
  type CreateBatchRequest,
  type InferenceApi,
  InvalidRequestError,
  isCriaError,
  type KvStore,
  type ListBatchesQuery,
  type ListBatchesResponse,
  NotFoundError,
  type ProviderContext,
  type ProviderLogger,
  type RequestContext,
  type ResponsesApi,
  type RouterLifecycle,
  type ApiRouters,
  type TraceContext,
} from '@cria/api';
import { type TraceCarrier, traceCarrier, traceContextFromCarrier, traceLogFields } from '@cria/provider-utils';
import type { ReferenceBatchesConfig } from './batches-config.js';
import { type BatchLineRequest, checkLine, readLines } from './batches-input.js';
import { batchKey, type BatchOutputLine, errorReply, type LineResult, requestId, resultKeyPrefix, resultSequence, ResultWriter, type StoredResults } from './batches-results.js';

const COMPLETION_WINDOW_SECONDS = 24 * 60 * 60;
/** OpenAI's limit on the requests of one batch. */
const MAX_LINES = 50_000;
/** The validation errors a failed batch reports (a file of bad lines would make a huge object). */
const MAX_REPORTED_ERRORS = 1000;
const TERMINAL: ReadonlySet<Batch['status']> = new Set(['completed', 'failed', 'expired', 'cancelled']);

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What the provider calls: the server's own routers. */
export type BatchesDependencies = ApiRouters<'inference' | 'files', 'models' | 'responses'>;

/** The tracer of the global provider now (a server may register a new one after another's shutdown). */
const tracer = () => trace.getTracer('@cria/provider-batches-reference');

/** Where a traced batch keeps the trace context of the request that created it, until it ends: a run resumed after a restart continues that trace. */
const traceKey = (batchId: string) => `trace:${batchId}`;

/** A batch being run: its lines in flight stop when `controller` aborts (cancel, expiry, shutdown). */
interface BatchRun {
  controller: AbortController;
  /** The `process_batch` span's context, when the request that created the batch was traced: its lines' calls are its children. */
  traceContext?: TraceContext;
  /** Lines whose result is stored. */
  done: Set<number>;
  completed: number;
  failed: number;
  /** Why it stopped early, if it did. */
  stop: 'cancel' | 'expire' | 'shutdown' | null;
  finished: Promise<void>;
}

/**
 * Llama Stack's `inline::reference` batches: batches kept in a kv store (`batch:<id>`, Llama
 * Stack's layout), run in the background, at most `max_concurrent_batches` at once and
 * `max_concurrent_requests_per_batch` lines of each in flight. The input file is read as a
 * stream twice: once to validate every line (any invalid line fails the batch, with every error
 * as OpenAI reports them), once to run them. Each result is stored as it completes, before it is
 * counted; a batch resumed after a restart or a crash skips the lines whose results are stored,
 * so none is lost or run twice (a line in flight at a crash has no result and is sent again).
 */
export class ReferenceBatches implements BatchesProvider, RouterLifecycle {
  /** Batches not yet ended, as they are now (the kv copy follows each change). */
  private readonly live = new Map<string, Batch>();
  private readonly runs = new Map<string, BatchRun>();
  /** The trace contexts of traced requests that created batches not yet started (in memory: a batch resumed after a restart is not traced). */
  private readonly creatingTraces = new Map<string, TraceContext>();
  private readonly queue: string[] = [];
  private running = 0;
  private closing = false;
  private lastIdMillis = 0;

  private constructor(
    private readonly config: ReferenceBatchesConfig,
    private readonly kv: KvStore,
    private readonly deps: BatchesDependencies,
    private readonly logger: ProviderLogger,
  ) {}

  static async create(config: ReferenceBatchesConfig, context: ProviderContext<BatchesDependencies>): Promise<ReferenceBatches> {
    const kv = await context.storage.kv(config.kvstore);
    return new ReferenceBatches(config, kv, context.deps, context.logger);
  }

  /** Resumes the batches a stopped server left unfinished (in the background: start-up does not wait for them). */
  async start(): Promise<void> {
    const stored = await this.kv.valuesInRange<Batch>('batch:', 'batch:\uffff');
    const unfinished = stored.filter((batch) => !TERMINAL.has(batch.status)).sort(newestLast);
    for (const batch of unfinished) {
      this.live.set(batch.id, batch);
      this.enqueue(batch.id);
    }
    if (unfinished.length) this.logger.info('resuming unfinished batches', { batches: unfinished.map((batch) => batch.id) });
  }

  async createBatch(request: CreateBatchRequest, context: RequestContext): Promise<Batch> {
    if (request.endpoint === '/v1/responses' && !this.deps.responses) {
      throw new InvalidRequestError('This distribution serves no responses API (providers.responses), so a batch cannot call /v1/responses.', { param: 'endpoint', code: 'invalid_value' });
    }
    const metadata = request.metadata ?? null;
    let id: string;
    if (request.idempotency_key) {
      id = `batch_${createHash('sha256').update(request.idempotency_key).digest('hex').slice(0, 24)}`;
      const existing = await this.find(id);
      if (existing) {
        if (existing.input_file_id !== request.input_file_id || existing.endpoint !== request.endpoint || existing.completion_window !== request.completion_window || !sameMetadata(existing.metadata ?? null, metadata)) {
          throw new ConflictError(`Idempotency key '${request.idempotency_key}' was previously used with different parameters. Either use a new idempotency key or ensure all parameters match the original request.`, { param: 'idempotency_key' });
        }
        return structuredClone(existing);
      }
    } else {
      id = this.newId();
    }
    const createdAt = nowSeconds();
    const batch: Batch = {
      id,
      object: 'batch',
      endpoint: request.endpoint,
      input_file_id: request.input_file_id,
      completion_window: request.completion_window,
      status: 'validating',
      created_at: createdAt,
      expires_at: createdAt + COMPLETION_WINDOW_SECONDS,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata,
    };
    this.live.set(id, batch);
    await this.save(batch);
    if (context.traceContext) {
      this.creatingTraces.set(id, context.traceContext);
      const carrier = traceCarrier(context.traceContext);
      if (carrier) await this.kv.set(traceKey(id), carrier);
    }
    this.enqueue(id);
    return structuredClone(batch);
  }

  async retrieveBatch(batchId: string): Promise<Batch> {
    const batch = await this.find(batchId);
    if (!batch) throw new NotFoundError('batch', batchId, `Batch '${batchId}' not found.`, { param: 'batch_id' });
    return structuredClone(batch);
  }

  async listBatches(query: ListBatchesQuery): Promise<ListBatchesResponse> {
    const stored = await this.kv.valuesInRange<Batch>('batch:', 'batch:\uffff');
    const batches = stored.map((batch) => this.live.get(batch.id) ?? batch).sort(newestLast).reverse();
    const limit = query.limit ?? 20;
    let start = 0;
    if (query.after) {
      const index = batches.findIndex((batch) => batch.id === query.after);
      if (index === -1) throw new NotFoundError('batch', query.after, `Batch '${query.after}' not found (after).`, { param: 'after' });
      start = index + 1;
    }
    const page = batches.slice(start, start + limit).map((batch) => structuredClone(batch));
    return {
      object: 'list',
      data: page,
      ...(page.length ? { first_id: page[0]!.id, last_id: page[page.length - 1]!.id } : {}),
      has_more: start + limit < batches.length,
    };
  }

  async cancelBatch(batchId: string): Promise<Batch> {
    const batch = await this.find(batchId);
    if (!batch) throw new NotFoundError('batch', batchId, `Batch '${batchId}' not found.`, { param: 'batch_id' });
    if (batch.status === 'cancelling' || batch.status === 'cancelled') return structuredClone(batch);
    // A finalizing batch has run every line; what is left is writing its files.
    if (TERMINAL.has(batch.status) || batch.status === 'finalizing') throw new ConflictError(`Cannot cancel batch '${batchId}' with status '${batch.status}'.`, { param: 'batch_id' });
    // The run learns of the cancel before anything awaits, so it cannot move the status on meanwhile.
    batch.status = 'cancelling';
    batch.cancelling_at = nowSeconds();
    const run = this.runs.get(batchId);
    const queued = this.queue.indexOf(batchId);
    if (run) {
      run.stop ??= 'cancel';
      run.controller.abort(new Error('The batch was cancelled.'));
    } else if (queued !== -1) {
      this.queue.splice(queued, 1);
    }
    const reply = structuredClone(batch);
    await this.save(batch);
    // Not started: nothing ran, nothing to write.
    if (!run && queued !== -1) await this.end(batch, 'cancelled');
    return reply;
  }

  /** Stops the batches running: lines in flight are aborted (they run again when the server restarts); stored results stay. */
  async close(): Promise<void> {
    this.closing = true;
    this.queue.length = 0;
    const runs = [...this.runs.values()];
    for (const run of runs) {
      run.stop ??= 'shutdown';
      run.controller.abort(new Error('The server is shutting down.'));
    }
    await Promise.all(runs.map((run) => run.finished));
  }

  async shutdown(): Promise<void> {
    await this.close();
  }

  /** Ids that sort by creation: 12 hex digits of milliseconds (never repeated) and 4 random ones, `batch_` + 16 as Llama Stack's. */
  private newId(): string {
    this.lastIdMillis = Math.max(Date.now(), this.lastIdMillis + 1);
    return `batch_${this.lastIdMillis.toString(16).padStart(12, '0')}${randomBytes(2).toString('hex')}`;
  }

  private async find(batchId: string): Promise<Batch | undefined> {
    return this.live.get(batchId) ?? (await this.kv.get<Batch>(batchKey(batchId)));
  }

  private async save(batch: Batch): Promise<void> {
    await this.kv.set(batchKey(batch.id), batch);
  }

  private enqueue(batchId: string): void {
    this.queue.push(batchId);
    this.pump();
  }

  private pump(): void {
    while (!this.closing && this.running < this.config.max_concurrent_batches && this.queue.length) {
      const batchId = this.queue.shift()!;
      this.running++;
      void this.process(batchId).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async process(batchId: string): Promise<void> {
    const batch = this.live.get(batchId);
    if (!batch || TERMINAL.has(batch.status)) return;
    let settle!: () => void;
    const run: BatchRun = { controller: new AbortController(), done: new Set(), completed: 0, failed: 0, stop: null, finished: new Promise((resolve) => (settle = resolve)) };
    this.runs.set(batchId, run);
    const span = await this.startBatchSpan(batch, run);
    try {
      if (batch.status === 'cancelling') {
        await this.loadStored(batch, run);
        await this.finish(batch, run, 'cancelled');
        return;
      }
      if (batch.status === 'validating') {
        const checked = await this.validate(batch, run.controller.signal);
        if (run.stop) return await this.stopped(batch, run);
        if (checked.errors.length) {
          batch.status = 'failed';
          batch.failed_at = nowSeconds();
          batch.errors = { object: 'list', data: checked.errors.slice(0, MAX_REPORTED_ERRORS) };
          await this.end(batch, 'failed');
          return;
        }
        batch.status = 'in_progress';
        batch.in_progress_at = nowSeconds();
        batch.request_counts = { total: checked.total, completed: 0, failed: 0 };
        await this.save(batch);
      }
      const sequence = await this.loadStored(batch, run);
      if (batch.status === 'in_progress') await this.runLines(batch, run, sequence);
      if (run.stop) return await this.stopped(batch, run);
      batch.status = 'finalizing';
      batch.finalizing_at ??= nowSeconds();
      await this.save(batch);
      await this.finish(batch, run, 'completed');
    } catch (error) {
      if (run.stop === 'shutdown') return;
      this.logger.error('a batch failed', { batch_id: batchId, error: (error as Error).message, ...traceLogFields(run.traceContext) });
      batch.status = 'failed';
      batch.failed_at = nowSeconds();
      batch.errors = { object: 'list', data: [{ code: 'internal_error', message: (error as Error).message, param: null, line: null }] };
      await this.end(batch, 'failed').catch(() => undefined);
    } finally {
      this.runs.delete(batchId);
      if (span) endBatchSpan(span, batch, run);
      if (TERMINAL.has(batch.status)) await this.kv.delete(traceKey(batchId)).catch(() => undefined);
      settle();
    }
  }

  /**
   * A `process_batch` span, a child of the span of the request that created the batch (which it
   * outlives), when that request was traced; the lines' calls are made in it. A run resumed after
   * a restart finds that span's context in the store.
   */
  private async startBatchSpan(batch: Batch, run: BatchRun): Promise<Span | undefined> {
    const parent = this.creatingTraces.get(batch.id) ?? traceContextFromCarrier(await this.kv.get<TraceCarrier>(traceKey(batch.id)).catch(() => undefined));
    if (!parent) return undefined;
    this.creatingTraces.delete(batch.id);
    const span = tracer().startSpan('process_batch', { attributes: { 'cria.batch_id': batch.id, 'cria.batch.endpoint': batch.endpoint, 'cria.file_id': batch.input_file_id } }, parent as Context);
    run.traceContext = trace.setSpan(parent as Context, span);
    return span;
  }

  /** A run stopped early: cancelled or expired batches end with the results they have; at shutdown they wait for the restart. */
  private async stopped(batch: Batch, run: BatchRun): Promise<void> {
    if (run.stop === 'cancel') await this.finish(batch, run, 'cancelled');
    else if (run.stop === 'expire') await this.finish(batch, run, 'expired');
  }

  /** Every line checked (the file streamed), with the model of each looked up once. */
  private async validate(batch: Batch, signal: AbortSignal): Promise<{ errors: BatchError[]; total: number }> {
    const inputError = (message: string): { errors: BatchError[]; total: number } => ({ errors: [{ code: 'invalid_request', line: null, message, param: 'input_file_id' }], total: 0 });
    let content;
    try {
      const file = await this.deps.files.retrieveFile(batch.input_file_id);
      if (file.purpose !== 'batch') return inputError(`The input file ${batch.input_file_id} has purpose '${file.purpose}'; a batch reads a file uploaded with purpose 'batch'.`);
      content = await this.deps.files.retrieveFileContent(batch.input_file_id);
    } catch (error) {
      if (isCriaError(error, 'not_found')) return inputError(`Cannot find file ${batch.input_file_id}.`);
      throw error;
    }
    const errors: BatchError[] = [];
    const customIds = new Set<string>();
    const models = new Map<string, boolean>();
    let total = 0;
    try {
      for await (const input of readLines(content.stream)) {
        if (signal.aborted) break;
        total++;
        const checked = checkLine(input, batch.endpoint, customIds);
        errors.push(...checked.errors);
        const model = checked.request?.body.model as string | undefined;
        if (model !== undefined && !(await this.modelExists(model, models))) {
          errors.push({ code: 'model_not_found', line: input.line, message: `Model '${model}' does not exist or is not supported`, param: 'body.model' });
        }
      }
    } finally {
      content.stream.destroy();
    }
    if (total === 0 && !signal.aborted) errors.push({ code: 'empty_file', line: null, message: `The input file ${batch.input_file_id} has no requests.`, param: 'input_file_id' });
    if (total > MAX_LINES) errors.unshift({ code: 'too_many_tasks', line: null, message: `The input file has ${total} requests; a batch may have at most ${MAX_LINES}.`, param: 'input_file_id' });
    return { errors, total };
  }

  private async modelExists(model: string, known: Map<string, boolean>): Promise<boolean> {
    let exists = known.get(model);
    if (exists === undefined) {
      if (!this.deps.models) return true;
      try {
        await this.deps.models.getModel(model);
        exists = true;
      } catch (error) {
        if (!isCriaError(error, 'not_found')) throw error;
        exists = false;
      }
      known.set(model, exists);
    }
    return exists;
  }

  /** The results a run (or an earlier run of the batch) has stored; returns the next write's sequence number. */
  private async loadStored(batch: Batch, run: BatchRun): Promise<number> {
    const prefix = resultKeyPrefix(batch.id);
    const keys = await this.kv.keysInRange(prefix, `${prefix}\uffff`);
    const chunks = await this.kv.valuesInRange<StoredResults>(prefix, `${prefix}\uffff`);
    for (const chunk of chunks) this.count(run, chunk);
    if (batch.request_counts) batch.request_counts = { ...batch.request_counts, completed: run.completed, failed: run.failed };
    return keys.length ? resultSequence(keys[keys.length - 1]!) + 1 : 0;
  }

  private count(run: BatchRun, results: StoredResults): void {
    for (const [index, line] of results.lines.entries()) {
      if (run.done.has(line)) continue;
      run.done.add(line);
      if (results.ok[index]) run.completed++;
      else run.failed++;
    }
  }

  /** Streams the input file again and runs each line without a stored result, `max_concurrent_requests_per_batch` at once. */
  private async runLines(batch: Batch, run: BatchRun, sequence: number): Promise<void> {
    const signal = run.controller.signal;
    const writer = new ResultWriter(this.kv, batch.id, sequence, async (results) => {
      this.count(run, results);
      batch.request_counts = { total: batch.request_counts?.total ?? 0, completed: run.completed, failed: run.failed };
      // A cancel moves the status on its own; the counts are all this write adds.
      await this.save(batch);
    });
    const limit = this.config.max_concurrent_requests_per_batch;
    let inFlight = 0;
    let wake: (() => void) | null = null;
    const released = () => {
      inFlight--;
      const waiting = wake;
      wake = null;
      waiting?.();
    };
    const content = await this.deps.files.retrieveFileContent(batch.input_file_id);
    const expiresAtMs = (batch.expires_at ?? Number.POSITIVE_INFINITY) * 1000;
    try {
      for await (const input of readLines(content.stream)) {
        if (signal.aborted) break;
        if (Date.now() >= expiresAtMs) {
          run.stop ??= 'expire';
          run.controller.abort(new Error('The batch expired.'));
          break;
        }
        if (run.done.has(input.line)) continue;
        while (inFlight >= limit) await new Promise<void>((resolve) => (wake = resolve));
        if (signal.aborted) break;
        const parsed = JSON.parse(input.text) as { custom_id: string; body: Record<string, unknown> };
        inFlight++;
        void this.runLine(batch, { customId: parsed.custom_id, body: parsed.body }, input.line, run).then((result) => {
          if (result) writer.add(result);
        }).finally(released);
      }
      while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
    } finally {
      content.stream.destroy();
      await writer.drain();
    }
  }

  /** One line through the server's own router; null when the batch stopped while it was in flight (it has no result). */
  private async runLine(batch: Batch, request: BatchLineRequest, line: number, run: BatchRun): Promise<LineResult | null> {
    const id = `batch_req_${batch.id.slice('batch_'.length)}_${line}`;
    const signal = run.controller.signal;
    const context: RequestContext = run.traceContext ? { signal, providerData: null, traceContext: run.traceContext } : { signal, providerData: null };
    try {
      const body = await this.call(batch.endpoint, request.body, context);
      const output: BatchOutputLine = { id, custom_id: request.customId, response: { status_code: 200, request_id: requestId(batch.id, line), body }, error: null };
      return { line, ok: true, output: JSON.stringify(output) };
    } catch (error) {
      if (signal.aborted) return null;
      const reply = errorReply(error);
      const output: BatchOutputLine = { id, custom_id: request.customId, response: { status_code: reply.status, request_id: requestId(batch.id, line), body: reply.body }, error: null };
      return { line, ok: false, output: JSON.stringify(output) };
    }
  }

  private call(endpoint: string, body: Record<string, unknown>, context: RequestContext): Promise<unknown> {
    const request = { ...body, stream: false };
    switch (endpoint) {
      case '/v1/chat/completions':
        return this.deps.inference.chatCompletion(request as unknown as Parameters<InferenceApi['chatCompletion']>[0], context);
      case '/v1/completions':
        return this.deps.inference.completion(request as unknown as Parameters<InferenceApi['completion']>[0], context);
      case '/v1/embeddings':
        return this.deps.inference.embeddings(body as unknown as Parameters<InferenceApi['embeddings']>[0], context);
      case '/v1/responses':
        return (this.deps.responses as ResponsesApi).createResponse(request as unknown as Parameters<ResponsesApi['createResponse']>[0], context);
      default:
        throw new InvalidRequestError(`Unsupported batch endpoint ${endpoint}.`, { param: 'endpoint' });
    }
  }

  /** Writes the output and error files from the stored results, then ends the batch as `status`. */
  private async finish(batch: Batch, run: BatchRun, status: 'completed' | 'cancelled' | 'expired'): Promise<void> {
    const prefix = resultKeyPrefix(batch.id);
    const chunks = await this.kv.valuesInRange<StoredResults>(prefix, `${prefix}\uffff`);
    if (run.completed > 0 && !batch.output_file_id) {
      batch.output_file_id = await this.writeFile(batch, chunks, true, run);
      await this.save(batch);
    }
    if (run.failed > 0 && !batch.error_file_id) {
      batch.error_file_id = await this.writeFile(batch, chunks, false, run);
      await this.save(batch);
    }
    batch.request_counts = { total: batch.request_counts?.total ?? 0, completed: run.completed, failed: run.failed };
    batch.status = status;
    if (status === 'completed') batch.completed_at = nowSeconds();
    else if (status === 'cancelled') batch.cancelled_at = nowSeconds();
    else batch.expired_at = nowSeconds();
    await this.end(batch, status);
    if (status !== 'completed') this.logger.info(`a batch ${status}`, { batch_id: batch.id, completed: run.completed, failed: run.failed, ...traceLogFields(run.traceContext) });
  }

  private async end(batch: Batch, status: Batch['status']): Promise<void> {
    batch.status = status;
    if (status === 'cancelled') batch.cancelled_at ??= nowSeconds();
    await this.save(batch);
    this.live.delete(batch.id);
  }

  /** One JSONL file (purpose `batch_output`) of the successful or the failed lines, each line once, streamed to the files API. */
  private async writeFile(batch: Batch, chunks: readonly StoredResults[], ok: boolean, run: BatchRun): Promise<string> {
    async function* lines(): AsyncIterable<Uint8Array> {
      const written = new Set<number>();
      for (const chunk of chunks) {
        let text = '';
        for (const [index, line] of chunk.lines.entries()) {
          if (chunk.ok[index] !== ok || written.has(line)) continue;
          written.add(line);
          text += `${chunk.outputs[index]}\n`;
        }
        if (text) yield Buffer.from(text);
      }
    }
    const file = await this.deps.files.uploadFile(
      {
        filename: `${batch.id}_${ok ? 'output' : 'error'}.jsonl`,
        contentType: 'application/jsonl',
        content: lines(),
        fields: async () => ({ purpose: 'batch_output' }),
      },
      { signal: new AbortController().signal, providerData: null, ...(run.traceContext ? { traceContext: run.traceContext } : {}) },
    );
    return file.id;
  }
}

/** Ends a batch's span with how the batch ended and its counts (an error status when it failed). */
function endBatchSpan(span: Span, batch: Batch, run: BatchRun): void {
  span.setAttribute('cria.batch.status', batch.status);
  span.setAttribute('cria.batch.completed', run.completed);
  span.setAttribute('cria.batch.failed', run.failed);
  if (batch.status === 'failed') {
    const reason = batch.errors?.data[0];
    span.setAttribute('error.type', reason?.code ?? 'failed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason?.message ?? 'The batch failed.' });
  }
  span.end();
}

/** Oldest first: by creation time, then id (ids sort by creation within a second). */
function newestLast(a: Batch, b: Batch): number {
  return a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function sameMetadata(a: Record<string, string> | null, b: Record<string, string> | null): boolean {
  const left = Object.entries(a ?? {}).sort(([x], [y]) => x.localeCompare(y));
  const right = Object.entries(b ?? {}).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(left) === JSON.stringify(right);
}


