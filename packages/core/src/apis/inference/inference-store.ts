import type {
  ChatCompletion,
  ChatCompletionList,
  ChatCompletionMessageList,
  ChatMessage,
  ProviderLogger,
  SqlStore,
  StoredChatCompletion,
  TraceContext,
} from '@cria/api';
import { NotFoundError } from '@cria/api';
import { type Context, type Link, ROOT_CONTEXT, type Span, type SpanContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

export interface InferenceStoreOptions {
  table?: string;
  /** Queued writes beyond which a new write flushes the queue at once. */
  maxWriteQueueSize?: number;
  /** How long a write may wait for others to share its transaction. */
  flushDelayMs?: number;
}

interface PendingWrite {
  completion: ChatCompletion;
  inputMessages: readonly ChatMessage[];
  recordedAt: number;
  /** The span of the traced request that made the completion. */
  requestSpan: SpanContext | undefined;
}

/** Links a batch's write span keeps to the other requests' spans (OpenTelemetry's default link limit, less its parent). */
const MAX_WRITE_LINKS = 127;

/**
 * Every chat completion and the messages it answered, for GET /v1/chat/completions.
 * Writes go through a write-behind queue flushed in one transaction per batch, so recording
 * never sits on a request's critical path; reads flush first, so a client reads its own writes.
 */
export class InferenceStore {
  private readonly table: string;
  private readonly maxQueue: number;
  private readonly flushDelayMs: number;
  private queue: PendingWrite[] = [];
  /** Batches handed to the database and not yet committed: their size and their oldest record's time (µs). */
  private readonly writing: { count: number; oldest: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Microseconds since the epoch, strictly increasing: the order completions are listed in. */
  private lastRecordedAt = 0;

  private sqlStore: SqlStore | null = null;

  /** `open` gives the SQL store the records go to; it is called once, by `initialize`. */
  constructor(private readonly open: () => Promise<SqlStore>, private readonly logger: ProviderLogger, options: InferenceStoreOptions = {}) {
    this.table = options.table ?? 'inference_store';
    this.maxQueue = options.maxWriteQueueSize ?? 10_000;
    // Rows share a transaction and a message to the writer thread: fewer, larger batches cost less per row.
    this.flushDelayMs = options.flushDelayMs ?? 25;
  }

  private get sql(): SqlStore {
    if (!this.sqlStore) throw new Error('the inference store is used before initialize()');
    return this.sqlStore;
  }

  async initialize(): Promise<void> {
    this.sqlStore = await this.open();
    // Completions are listed in the order they were recorded; carry that order across restarts.
    await this.sql.createTable(this.table, {
      id: { type: 'text', primaryKey: true },
      created: { type: 'integer', nullable: false },
      model: { type: 'text', nullable: false },
      recorded_at: { type: 'integer', nullable: false },
      completion: 'json',
      input_messages: 'json',
    });
    const newest = await this.sql.fetchAll(this.table, { orderBy: [['recorded_at', 'desc']], limit: 1 });
    this.lastRecordedAt = Number(newest.rows[0]?.recorded_at ?? 0);
  }

  /** Queues a completion for storage; returns at once. A traced request's `traceContext` has the batch's write traced. */
  record(completion: ChatCompletion, inputMessages: readonly ChatMessage[], traceContext?: TraceContext): void {
    this.lastRecordedAt = Math.max(this.lastRecordedAt + 1, Date.now() * 1000);
    const requestSpan = traceContext === undefined ? undefined : trace.getSpanContext(traceContext as Context);
    this.queue.push({ completion, inputMessages, recordedAt: this.lastRecordedAt, requestSpan });
    if (this.queue.length >= this.maxQueue) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushDelayMs);
  }

  /** Writes everything queued. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return this.flushing;
    const batch = this.queue;
    this.queue = [];
    const written = { count: batch.length, oldest: batch[0]!.recordedAt };
    this.writing.push(written);
    const rows = batch.map(({ completion, inputMessages, recordedAt }) => ({
      id: completion.id,
      created: completion.created,
      model: completion.model,
      recorded_at: recordedAt,
      completion,
      input_messages: inputMessages,
    }));
    this.flushing = this.flushing.then(async () => {
      const span = this.startWriteSpan(batch);
      let lost = 0;
      try {
        await this.sql.insert(this.table, rows);
      } catch (error) {
        span?.setAttribute('cria.store.row_by_row', true);
        span?.recordException({ name: (error as Error).name, message: (error as Error).message });
        // One bad row (an upstream reusing an id) must not lose the rest of the batch.
        for (const row of rows) {
          await this.sql.upsert(this.table, row, ['id']).catch((rowError: Error) => {
            lost++;
            this.logger.error('could not store chat completion', { id: row.id, error: rowError.message, ...(span ? { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId } : {}) });
          });
        }
      } finally {
        this.writing.splice(this.writing.indexOf(written), 1);
        if (span) {
          if (lost > 0) {
            span.setAttribute('error.type', 'store_write');
            span.setStatus({ code: SpanStatusCode.ERROR, message: `${lost} of ${rows.length} chat completions could not be stored` });
          }
          span.end();
        }
      }
    });
    return this.flushing;
  }

  /**
   * The span of a batch's write, when a traced request made one of its records: one batch holds
   * many requests' records, so it is a child of the first such request's span and links to the
   * others'. A request's trace thus shows its record's write, after its own end.
   */
  private startWriteSpan(batch: readonly PendingWrite[]): Span | undefined {
    let parent: SpanContext | undefined;
    let links: Link[] | undefined;
    let linked: Set<string> | undefined;
    for (const write of batch) {
      const requestSpan = write.requestSpan;
      if (requestSpan === undefined || requestSpan === parent) continue;
      if (parent === undefined) parent = requestSpan;
      else if ((links ??= []).length === MAX_WRITE_LINKS) break;
      else if (!(linked ??= new Set([parent.spanId])).has(requestSpan.spanId)) {
        linked.add(requestSpan.spanId);
        links.push({ context: requestSpan });
      }
    }
    if (parent === undefined) return undefined;
    return trace.getTracer('@cria/core').startSpan(
      `INSERT ${this.table}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.operation.name': 'INSERT', 'db.collection.name': this.table, 'db.operation.batch.size': batch.length, 'cria.store': 'inference' },
        ...(links ? { links } : {}),
      },
      trace.setSpanContext(ROOT_CONTEXT, parent),
    );
  }

  /** Records queued or being written, and the age in seconds of the oldest (0 when none): the write-behind's lag. */
  writeBehind(): { records: number; lagSeconds: number } {
    let records = this.queue.length;
    let oldest = this.queue[0]?.recordedAt ?? Number.POSITIVE_INFINITY;
    for (const batch of this.writing) {
      records += batch.count;
      oldest = Math.min(oldest, batch.oldest);
    }
    return { records, lagSeconds: records === 0 ? 0 : Math.max(0, Date.now() / 1000 - oldest / 1e6) };
  }

  async list(options: { after?: string; limit?: number; model?: string; order?: 'asc' | 'desc' } = {}): Promise<ChatCompletionList> {
    await this.flush();
    const order = options.order ?? 'desc';
    const { rows, hasMore } = await this.sql.fetchAll(this.table, {
      where: options.model ? { model: options.model } : {},
      orderBy: [['recorded_at', order]],
      limit: options.limit ?? 20,
      ...(options.after ? { after: { column: 'id', value: options.after } } : {}),
    });
    const data = rows.map((row) => ({ ...(row.completion as ChatCompletion), input_messages: row.input_messages as ChatMessage[] }));
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  async get(id: string): Promise<StoredChatCompletion> {
    await this.flush();
    const row = await this.sql.fetchOne(this.table, { id });
    if (!row) throw new NotFoundError('chat completion', id, `Chat completion '${id}' not found.`);
    return { ...(row.completion as ChatCompletion), input_messages: row.input_messages as ChatMessage[] };
  }

  /** The input messages of a stored completion, each with an id (`<completion id>-<index>`), paged. */
  async listMessages(id: string, options: { after?: string; limit?: number; order?: 'asc' | 'desc' } = {}): Promise<ChatCompletionMessageList> {
    const stored = await this.get(id);
    let messages = stored.input_messages.map((message, index) => ({ ...message, id: `${id}-${index}` }));
    if ((options.order ?? 'asc') === 'desc') messages = messages.reverse();
    if (options.after) {
      const position = messages.findIndex((message) => message.id === options.after);
      if (position === -1) throw new NotFoundError('message', options.after, `Message '${options.after}' not found in chat completion '${id}'.`, { param: 'after' });
      messages = messages.slice(position + 1);
    }
    const limit = options.limit ?? 20;
    const data = messages.slice(0, limit);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: messages.length > limit };
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
