import {
  InvalidRequestError,
  type ListResponseInputItemsQuery,
  type ListResponsesQuery,
  NotFoundError,
  type ResponseItem,
  type ResponseObject,
  type ResponseObjectList,
  type ResponseInputItemList,
  type SqlStore,
  type TraceContext,
} from '@cria/api';
import { type Context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ChatMessage } from './responses-types.js';

/** A stored response: the object, its input items, and the chat messages that continue it. */
export interface StoredResponse {
  response: ResponseObject;
  input: ResponseItem[];
  messages: ChatMessage[];
}

/**
 * Responses in one SQL table (`persistence.responses.table_name`): the object, its input items
 * and the chat messages behind it (so `previous_response_id` continues the exact conversation
 * the model saw), ordered by creation time in milliseconds.
 */
export class ResponsesStore {
  private opened: Promise<SqlStore> | null = null;
  /** Writes the caller did not wait for, by response id: reads through this store wait for them. */
  private readonly unsettled = new Map<string, Promise<void>>();
  /** When each write the callers did not wait for was handed to the database (ms), for the write-behind's lag. */
  private readonly unsettledSince = new Map<string, number>();

  constructor(
    private readonly sql: () => Promise<SqlStore>,
    private readonly table: string,
  ) {}

  /** The store, opened once: its column types (which columns hold JSON) are known to that instance. */
  private open(): Promise<SqlStore> {
    this.opened ??= (async () => {
      const sql = await this.sql();
      await sql.createTable(this.table, {
        id: { type: 'text', primaryKey: true },
        created_ms: 'integer',
        model: 'text',
        status: 'text',
        response_object: 'json',
        input: 'json',
        messages: 'json',
      });
      return sql;
    })();
    return this.opened;
  }

  /** Writes a response whole (insert, or replace as it progresses), after any write of it still under way. */
  async save(stored: StoredResponse, createdMs: number, traceContext?: TraceContext): Promise<void> {
    await this.unsettled.get(stored.response.id);
    await this.write(stored, createdMs, traceContext);
  }

  /**
   * Writes a response whole now: for a run ordering its own writes (`saveBehind` waits for them).
   * In a traced request or run (`traceContext`), the write is a span of it.
   */
  async write(stored: StoredResponse, createdMs: number, traceContext?: TraceContext): Promise<void> {
    const sql = await this.open();
    const row = { id: stored.response.id, created_ms: createdMs, model: stored.response.model, status: stored.response.status, response_object: stored.response, input: stored.input, messages: stored.messages };
    if (traceContext === undefined) return sql.upsert(this.table, row, ['id']);
    const span = trace.getTracer('@cria/provider-responses-builtin').startSpan(
      `INSERT ${this.table}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.operation.name': 'INSERT', 'db.collection.name': this.table, 'cria.store': 'responses', 'cria.response_id': row.id, 'cria.response.status': row.status },
      },
      traceContext as Context,
    );
    try {
      await sql.upsert(this.table, row, ['id']);
    } catch (error) {
      span.setAttribute('error.type', 'store_write');
      span.recordException({ name: (error as Error).name, message: (error as Error).message });
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Writes a response without the caller waiting for the commit (the reply goes out while the
   * writer thread commits). Reads through this store of that response, lists, deletes and
   * `settle` wait for it, so this server never answers with less than it replied; a failed write
   * is reported to `failed`. The write starts after the writes of the same response still under
   * way (tracked ones included) and after the current turn of the event loop, so the reply made
   * in this turn is sent first.
   */
  saveBehind(stored: StoredResponse, createdMs: number, failed: (error: Error) => void, traceContext?: TraceContext): void {
    const id = stored.response.id;
    this.track(
      id,
      Promise.all([this.unsettled.get(id), new Promise((resolve) => setImmediate(resolve))])
        .then(() => this.write(stored, createdMs, traceContext))
        .catch(failed),
    );
  }

  /**
   * Has reads of a response, lists, deletes and `settle` wait for `writes`: writes of it that its
   * run makes on its own (which never reject), including any tracked before.
   */
  track(id: string, writes: Promise<void>): void {
    const tracked: Promise<void> = writes.finally(() => {
      if (this.unsettled.get(id) !== tracked) return;
      this.unsettled.delete(id);
      this.unsettledSince.delete(id);
    });
    this.unsettled.set(id, tracked);
    if (!this.unsettledSince.has(id)) this.unsettledSince.set(id, Date.now());
  }

  /** Writes the callers did not wait for that are not committed yet, and the age in seconds of the oldest (0 when none). */
  writeBehind(): { records: number; lagSeconds: number } {
    let oldest = Number.POSITIVE_INFINITY;
    for (const since of this.unsettledSince.values()) oldest = Math.min(oldest, since);
    return { records: this.unsettled.size, lagSeconds: this.unsettled.size === 0 ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }

  /** Waits for every write the callers did not wait for (at shutdown). */
  async settle(): Promise<void> {
    while (this.unsettled.size) await Promise.all(this.unsettled.values());
  }

  async find(responseId: string): Promise<StoredResponse | undefined> {
    await this.unsettled.get(responseId);
    const row = await (await this.open()).fetchOne(this.table, { id: responseId });
    if (!row) return undefined;
    return { response: row.response_object as ResponseObject, input: row.input as ResponseItem[], messages: row.messages as ChatMessage[] };
  }

  async get(responseId: string, param = 'response_id'): Promise<StoredResponse> {
    const stored = await this.find(responseId);
    if (!stored) throw new NotFoundError('response', responseId, `Response '${responseId}' not found.`, { param, code: 'response_not_found' });
    return stored;
  }

  async delete(responseId: string): Promise<boolean> {
    await this.unsettled.get(responseId);
    return (await (await this.open()).delete(this.table, { id: responseId })) > 0;
  }

  async list(query: ListResponsesQuery): Promise<ResponseObjectList> {
    const order = query.order ?? 'desc';
    const limit = query.limit ?? 50;
    if (this.unsettled.size) await this.settle();
    const sql = await this.open();
    if (query.after !== undefined && !(await sql.fetchOne(this.table, { id: query.after }))) {
      throw new InvalidRequestError(`No response '${query.after}' to list after.`, { param: 'after' });
    }
    const { rows, hasMore } = await sql.fetchAll(this.table, {
      ...(query.model ? { where: { model: query.model } } : {}),
      orderBy: [['created_ms', order], ['id', order]],
      limit,
      ...(query.after !== undefined ? { after: { column: 'id', value: query.after } } : {}),
    });
    const data = rows.map((row) => ({ ...(row.response_object as ResponseObject), input: row.input as ResponseItem[] }));
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  /** Ids of responses left queued or in progress (by a server that stopped). */
  async unfinished(): Promise<string[]> {
    const sql = await this.open();
    const ids: string[] = [];
    for (const status of ['queued', 'in_progress']) {
      const { rows } = await sql.fetchAll(this.table, { where: { status } });
      ids.push(...rows.map((row) => row.id as string));
    }
    return ids;
  }
}

/** A page of a response's input items (Llama Stack's list_response_input_items: desc by default). */
export function inputItemsPage(items: readonly ResponseItem[], query: ListResponseInputItemsQuery): ResponseInputItemList {
  const ordered = (query.order ?? 'desc') === 'desc' ? [...items].reverse() : [...items];
  let start = 0;
  let end = ordered.length;
  if (query.after !== undefined) {
    const index = ordered.findIndex((item) => item.id === query.after);
    if (index < 0) throw new InvalidRequestError(`No input item '${query.after}' to list after.`, { param: 'after' });
    start = index + 1;
  }
  if (query.before !== undefined) {
    const index = ordered.findIndex((item) => item.id === query.before);
    if (index < 0) throw new InvalidRequestError(`No input item '${query.before}' to list before.`, { param: 'before' });
    end = index;
  }
  const window = ordered.slice(start, Math.max(start, end));
  const data = window.slice(0, query.limit ?? 20);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: window.length > data.length };
}
