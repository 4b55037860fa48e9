import { randomUUID } from 'node:crypto';
import { type SpanRecord, spanAttributes } from './span-record.js';
import type { SpanSink } from './telemetry-tracer.js';
import {
  type GetSpanTreeRequest,
  type LogEventRequest,
  NotFoundError,
  type ProviderLogger,
  type QueryCondition,
  type QuerySpansRequest,
  type QuerySpansResponse,
  type QuerySpanTreeResponse,
  type QueryTracesRequest,
  type QueryTracesResponse,
  type Span,
  type SpanWithStatus,
  type SqlRow,
  type SqlStore,
  type Trace,
} from '@cria/api';

/** Spans are written in batches: this often, or sooner at this many. */
const FLUSH_DELAY_MS = 200;
const FLUSH_SIZE = 512;
/** How often old traces are deleted. */
const SWEEP_INTERVAL_MS = 60_000;
/** OpenTelemetry's status code for an error. */
const STATUS_ERROR = 2;

type Attributes = Record<string, unknown>;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function matches(attributes: Attributes, condition: QueryCondition): boolean {
  const value = attributes[condition.key];
  switch (condition.op) {
    case 'eq':
      return value === condition.value;
    case 'ne':
      return value !== condition.value;
    case 'gt':
      return value !== undefined && value !== null && (value as number) > (condition.value as number);
    case 'lt':
      return value !== undefined && value !== null && (value as number) < (condition.value as number);
  }
}

function picked(attributes: Attributes, names: readonly string[] | undefined): Attributes {
  if (!names || names.length === 0) return attributes;
  const kept: Attributes = {};
  for (const name of names) if (name in attributes) kept[name] = attributes[name];
  return kept;
}

/**
 * The trace store of the `sqlite` sink: a span processor that writes ended spans (in batches,
 * off the request's path) to tables of the storage backends, and the queries of Llama Stack
 * 0.2's telemetry routes. Traces past the retention's age or count are deleted every minute.
 * Attribute filters apply to a trace's root span (the request), as in Llama Stack.
 */
export class TraceStore implements SpanSink {
  private pending: SqlRow[] = [];
  private pendingTraces: SqlRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private readonly spans: string;
  private readonly traces: string;
  private readonly events: string;

  private constructor(
    private readonly store: SqlStore,
    prefix: string,
    private readonly retention: { maxAgeSeconds: number; maxTraces: number },
    private readonly logger: ProviderLogger,
  ) {
    this.spans = `${prefix}_spans`;
    this.traces = `${prefix}_traces`;
    this.events = `${prefix}_events`;
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  static async open(store: SqlStore, prefix: string, retention: { maxAgeSeconds: number; maxTraces: number }, logger: ProviderLogger): Promise<TraceStore> {
    await store.createTable(`${prefix}_traces`, {
      trace_id: { type: 'text', primaryKey: true },
      root_span_id: 'text',
      start_ms: 'real',
      end_ms: { type: 'real', nullable: true },
      root_attributes: 'json',
    });
    await store.createTable(`${prefix}_spans`, {
      span_id: { type: 'text', primaryKey: true },
      trace_id: 'text',
      parent_span_id: { type: 'text', nullable: true },
      name: 'text',
      kind: 'integer',
      start_ms: 'real',
      end_ms: { type: 'real', nullable: true },
      status: 'text',
      attributes: 'json',
    });
    await store.createTable(`${prefix}_events`, {
      id: { type: 'text', primaryKey: true },
      trace_id: 'text',
      span_id: 'text',
      timestamp: 'text',
      expires_ms: 'real',
      event: 'json',
    });
    const traceStore = new TraceStore(store, prefix, retention, logger);
    await traceStore.sweep();
    return traceStore;
  }

  onEnd(span: SpanRecord): void {
    const { traceId, spanId, startMs, endMs } = span;
    const attributes = spanAttributes(span);
    this.pending.push({
      span_id: spanId,
      trace_id: traceId,
      parent_span_id: span.parentSpanId ?? null,
      name: span.name,
      kind: span.kind,
      start_ms: startMs,
      end_ms: endMs,
      status: span.statusCode === STATUS_ERROR ? 'error' : 'ok',
      attributes,
    });
    // The root of what this server saw: no parent, or a parent in the caller (traceparent).
    if (span.parentSpanId === undefined || span.parentIsRemote) this.pendingTraces.push({ trace_id: traceId, root_span_id: spanId, start_ms: startMs, end_ms: endMs, root_attributes: attributes });
    if (this.pending.length >= FLUSH_SIZE) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is pending; resolves when it is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const spans = this.pending.splice(0);
    const traces = this.pendingTraces.splice(0);
    if (spans.length === 0 && traces.length === 0) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        if (spans.length) await this.store.insert(this.spans, spans);
        for (const row of traces) await this.store.upsert(this.traces, row, ['trace_id']);
      } catch (error) {
        this.logger.warn('the trace store could not write spans', { error: (error as Error).message, spans: spans.length });
      }
    });
    return this.writing;
  }

  forceFlush(): Promise<void> {
    return this.flush();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.flush();
  }

  /** Deletes traces older than the retention's age, then the oldest past its count, with their spans. */
  async sweep(): Promise<void> {
    try {
      const { rows } = await this.store.fetchAll(this.traces, { orderBy: [['start_ms', 'desc']] });
      const cutoff = Date.now() - this.retention.maxAgeSeconds * 1000;
      const expired = rows.filter((row, index) => (row.start_ms as number) < cutoff || index >= this.retention.maxTraces);
      for (const row of expired) {
        await this.store.delete(this.spans, { trace_id: row.trace_id as string });
        await this.store.delete(this.traces, { trace_id: row.trace_id as string });
      }
      const events = await this.store.fetchAll(this.events, { orderBy: [['expires_ms', 'asc']] });
      for (const row of events.rows) {
        if ((row.expires_ms as number) >= Date.now()) break;
        await this.store.delete(this.events, { id: row.id as string });
      }
    } catch (error) {
      this.logger.warn('the trace store could not delete old traces', { error: (error as Error).message });
    }
  }

  async logEvent(request: LogEventRequest): Promise<void> {
    const { event } = request;
    const timestampMs = Date.parse(event.timestamp);
    if (event.type === 'structured_log') {
      await this.flush();
      const payload = event.payload;
      if (payload.type === 'span_start') {
        const row: SqlRow = { span_id: event.span_id, trace_id: event.trace_id, parent_span_id: payload.parent_span_id ?? null, name: payload.name, kind: 0, start_ms: timestampMs, end_ms: null, status: 'ok', attributes: event.attributes ?? {} };
        await this.store.upsert(this.spans, row, ['span_id']);
        if (!payload.parent_span_id) await this.store.upsert(this.traces, { trace_id: event.trace_id, root_span_id: event.span_id, start_ms: timestampMs, end_ms: null, root_attributes: event.attributes ?? {} }, ['trace_id']);
      } else {
        const span = await this.store.fetchOne(this.spans, { span_id: event.span_id });
        if (!span) throw new NotFoundError('span', event.span_id);
        await this.store.update(this.spans, { end_ms: timestampMs, status: payload.status }, { span_id: event.span_id });
        if (!span.parent_span_id) await this.store.update(this.traces, { end_ms: timestampMs }, { trace_id: event.trace_id });
      }
      return;
    }
    await this.store.insert(this.events, { id: randomUUID(), trace_id: event.trace_id, span_id: event.span_id, timestamp: event.timestamp, expires_ms: Date.now() + request.ttl_seconds * 1000, event });
  }

  async queryTraces(request: QueryTracesRequest): Promise<QueryTracesResponse> {
    await this.flush();
    const order = request.order_by?.[0] ?? '-start_time';
    const descending = order.startsWith('-');
    const field = descending ? order.slice(1) : order;
    const column = field === 'end_time' ? 'end_ms' : field === 'trace_id' ? 'trace_id' : 'start_ms';
    const { rows } = await this.store.fetchAll(this.traces, { orderBy: [[column, descending ? 'desc' : 'asc']] });
    const filters = request.attribute_filters ?? [];
    const offset = request.offset ?? 0;
    const limit = request.limit ?? 100;
    const data = rows
      .filter((row) => filters.every((condition) => matches(row.root_attributes as Attributes, condition)))
      .slice(offset, offset + limit)
      .map(toTrace);
    return { data };
  }

  async getTrace(traceId: string): Promise<Trace> {
    await this.flush();
    const row = await this.store.fetchOne(this.traces, { trace_id: traceId });
    if (!row) throw new NotFoundError('trace', traceId);
    return toTrace(row);
  }

  async getSpan(traceId: string, spanId: string): Promise<Span> {
    await this.flush();
    const row = await this.store.fetchOne(this.spans, { span_id: spanId });
    if (!row || row.trace_id !== traceId) throw new NotFoundError('span', spanId, `Span ${spanId} not found in trace ${traceId}.`);
    return toSpan(row, undefined);
  }

  async getSpanTree(spanId: string, request: GetSpanTreeRequest): Promise<QuerySpanTreeResponse> {
    await this.flush();
    const root = await this.store.fetchOne(this.spans, { span_id: spanId });
    if (!root) throw new NotFoundError('span', spanId);
    const { rows } = await this.store.fetchAll(this.spans, { where: { trace_id: root.trace_id as string }, orderBy: [['start_ms', 'asc']] });
    const data: Record<string, SpanWithStatus> = {};
    for (const row of descendants(rows, root, request.max_depth)) data[row.span_id as string] = { ...toSpan(row, request.attributes_to_return), status: row.status as 'ok' | 'error' };
    return { data };
  }

  async querySpans(request: QuerySpansRequest): Promise<QuerySpansResponse> {
    const traces = await this.queryTraces({ attribute_filters: request.attribute_filters, limit: Number.MAX_SAFE_INTEGER });
    const data: Span[] = [];
    for (const trace of traces.data) {
      const { rows } = await this.store.fetchAll(this.spans, { where: { trace_id: trace.trace_id }, orderBy: [['start_ms', 'asc']] });
      const root = rows.find((row) => row.span_id === trace.root_span_id);
      if (!root) continue;
      for (const row of descendants(rows, root, request.max_depth)) data.push(toSpan(row, request.attributes_to_return));
    }
    return { data };
  }
}

/** `root` and the spans under it, breadth first, to `maxDepth` levels below it (all when unset). */
function descendants(rows: readonly SqlRow[], root: SqlRow, maxDepth: number | undefined): SqlRow[] {
  const children = new Map<string, SqlRow[]>();
  for (const row of rows) {
    const parent = row.parent_span_id as string | null;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const found: SqlRow[] = [root];
  let level = [root];
  for (let depth = 1; level.length && (maxDepth === undefined || depth <= maxDepth); depth++) {
    level = level.flatMap((row) => children.get(row.span_id as string) ?? []);
    found.push(...level);
  }
  return found;
}

function toTrace(row: SqlRow): Trace {
  return {
    trace_id: row.trace_id as string,
    root_span_id: row.root_span_id as string,
    start_time: iso(row.start_ms as number),
    ...(row.end_ms === null || row.end_ms === undefined ? {} : { end_time: iso(row.end_ms as number) }),
  };
}

function toSpan(row: SqlRow, attributesToReturn: readonly string[] | undefined): Span {
  return {
    span_id: row.span_id as string,
    trace_id: row.trace_id as string,
    ...(row.parent_span_id ? { parent_span_id: row.parent_span_id as string } : {}),
    name: row.name as string,
    start_time: iso(row.start_ms as number),
    ...(row.end_ms === null || row.end_ms === undefined ? {} : { end_time: iso(row.end_ms as number) }),
    attributes: picked(row.attributes as Attributes, attributesToReturn) as Span['attributes'],
  };
}
