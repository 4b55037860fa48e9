import {
  type ApiRouters,
  ConflictError,
  type ConversationItemInput,
  type CreateResponseRequest,
  type DeletedResponse,
  InvalidRequestError,
  type ListResponseInputItemsQuery,
  type ListResponsesQuery,
  NotFoundError,
  type OutboundUrlGuard,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderLogger,
  type RequestContext,
  type ResponseInputItemList,
  type ResponseObject,
  type ResponseObjectList,
  type ResponsesProvider,
  type ResponseStreamEvent,
  type TraceContext,
  UnavailableError,
} from '@cria/api';
import type { BuiltinResponsesConfig } from './responses-config.js';
import type { ResponseRun } from './responses-engine.js';
import { inputItems, newId, promptMessages, responseFormatOf, toChatMessages } from './responses-input.js';
import { inputItemsPage, ResponsesStore, type StoredResponse } from './responses-store.js';
import { ResponsesRuntime } from './responses-runtime.js';
import { ResponseTools } from './responses-tools.js';
import type { ApprovedMcpCall, ChatMessage, OutputItem, PreparedResponse } from './responses-types.js';

type Deps = ApiRouters<'inference', 'models' | 'tool_runtime' | 'vector_io' | 'conversations' | 'prompts' | 'files' | 'safety'>;
type Item = OutputItem;

/** Llama Stack's conversation id: `conv_` and 48 lowercase hex digits. */
const CONVERSATION_ID = /^conv_[0-9a-f]{48}$/;

/** Item types a conversation keeps (mcp_approval_response and item_reference are not items of one). */
const CONVERSATION_ITEM_TYPES = new Set(['message', 'function_call', 'function_call_output', 'reasoning', 'mcp_list_tools', 'mcp_call', 'mcp_approval_request', 'file_search_call', 'web_search_call']);

const TERMINAL = new Set(['completed', 'incomplete', 'failed', 'cancelled']);

/**
 * How long a watched run waits before writing its progress: a run that ends sooner (most streamed
 * turns) is written once, at its end. Reads of the response wait for the writes meanwhile.
 */
const IN_PROGRESS_WRITE_DELAY_MS = 100;

/** A background response running in this process. */
interface BackgroundRun {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Llama Stack's `inline::builtin` responses provider: runs responses (ResponseRun), keeps them
 * (ResponsesStore), continues them (previous_response_id, conversation), and runs background
 * ones in this process, at most `max_background_responses` at a time.
 */
export class BuiltinResponses implements ResponsesProvider, ProviderLifecycle {
  private readonly running = new Map<string, BackgroundRun>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private closed = false;

  private constructor(
    private readonly config: BuiltinResponsesConfig,
    private readonly deps: Deps,
    private readonly store: ResponsesStore,
    private readonly runtime: ResponsesRuntime,
    private readonly logger: ProviderLogger,
    private readonly outbound: OutboundUrlGuard,
  ) {}

  static async create(config: BuiltinResponsesConfig, context: ProviderContext<Deps>): Promise<BuiltinResponses> {
    const reference = config.persistence.responses;
    const store = new ResponsesStore(() => context.storage.sql(reference), reference.table_name ?? 'responses');
    context.gauges?.register({ name: 'cria_store_write_queue', help: 'Records a store has accepted and not yet committed (its write-behind queue), by store.', collect: () => [{ labels: { store: 'responses' }, value: store.writeBehind().records }] });
    context.gauges?.register({ name: 'cria_store_write_lag_seconds', help: 'Age of the oldest record a store has not yet committed, by store.', collect: () => [{ labels: { store: 'responses' }, value: store.writeBehind().lagSeconds }] });
    const provider = new BuiltinResponses(config, context.deps, store, new ResponsesRuntime(context.deps, context), context.logger, context.outbound);
    await provider.failUnfinished();
    return provider;
  }

  /** Background responses a stopped server left queued or in progress end as failed: nothing is left running forever. */
  private async failUnfinished(): Promise<void> {
    for (const id of await this.store.unfinished()) {
      const stored = await this.store.get(id);
      const response = { ...stored.response, status: 'failed', error: { code: 'server_error', message: 'The server stopped before this response finished; create it again.' } } as ResponseObject;
      await this.store.save({ ...stored, response }, stored.response.created_at * 1000);
      this.logger.warn('a response left unfinished by a previous run is now failed', { response_id: id });
    }
  }

  async createResponse(request: CreateResponseRequest, context: RequestContext): Promise<ResponseObject> {
    const prepared = await this.prepare(request, context);
    if (request.background) return this.startBackground(prepared, context);
    const run = this.runtime.run(prepared, context, { background: false });
    let final: ResponseObject | undefined;
    for await (const event of this.persisting(run, prepared, false, context.traceContext)) {
      // The JSON reply is the response the last event carries; the others only drive storage.
      if ('response' in event) final = event.response as ResponseObject;
    }
    if (run.failure) throw run.failure;
    return final!;
  }

  async streamResponse(request: CreateResponseRequest, context: RequestContext): Promise<AsyncIterable<ResponseStreamEvent>> {
    if (request.background) throw new InvalidRequestError("'stream' and 'background' cannot be used together.", { param: 'background' });
    const prepared = await this.prepare(request, context);
    return this.persisting(this.runtime.run(prepared, context, { background: false }), prepared, true, context.traceContext);
  }

  async getResponse(responseId: string): Promise<ResponseObject> {
    return (await this.store.get(responseId)).response;
  }

  async listResponses(query: ListResponsesQuery): Promise<ResponseObjectList> {
    return this.store.list(query);
  }

  async deleteResponse(responseId: string): Promise<DeletedResponse> {
    this.running.get(responseId)?.controller.abort(new Error('deleted'));
    if (!(await this.store.delete(responseId))) throw new NotFoundError('response', responseId, `Response '${responseId}' not found.`, { param: 'response_id', code: 'response_not_found' });
    return { id: responseId, object: 'response', deleted: true };
  }

  async listInputItems(responseId: string, query: ListResponseInputItemsQuery): Promise<ResponseInputItemList> {
    return inputItemsPage((await this.store.get(responseId)).input, query);
  }

  async cancelResponse(responseId: string): Promise<ResponseObject> {
    const stored = await this.store.get(responseId);
    if (!stored.response.background) throw new ConflictError(`Cannot cancel response '${responseId}': only background responses can be cancelled.`, { param: 'response_id' });
    if (stored.response.status === 'cancelled') return stored.response;
    if (TERMINAL.has(stored.response.status)) throw new ConflictError(`Cannot cancel response '${responseId}' with status '${stored.response.status}'.`, { param: 'response_id' });
    const running = this.running.get(responseId);
    running?.controller.abort(new Error('cancelled'));
    await running?.done;
    const latest = (await this.store.find(responseId)) ?? stored;
    const response = { ...latest.response, status: 'cancelled', completed_at: null } as ResponseObject;
    await this.store.save({ ...latest, response }, latest.response.created_at * 1000);
    return response;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    for (const run of this.running.values()) run.controller.abort(new Error('shutdown'));
    await Promise.all([...this.running.values()].map((run) => run.done));
    await this.store.settle();
  }

  /**
   * The run's events, with the response kept (when `store`). A response someone can watch (streamed,
   * or in the background) is also kept as it progresses, at the start and at each finished output
   * item, so GET shows it in progress; those writes go on beside the run, the latest snapshot
   * winning, and never hold an event back. The append to the conversation happens before the last
   * event goes out; the final write is sent to the store then, and reads of the response wait for it.
   */
  private async *persisting(run: ResponseRun, prepared: PreparedResponse, watched: boolean, traceContext: TraceContext | undefined): AsyncGenerator<ResponseStreamEvent> {
    const store = prepared.request.store ?? true;
    const createdMs = Date.now();
    const stored = (response: ResponseObject) => ({ response, input: prepared.input, messages: run.messages.filter((message) => message.role !== 'system') });
    const save = (response: ResponseObject) => this.store.write(stored(response), createdMs, traceContext);
    let writing: Promise<void> = Promise.resolve();
    /** An in-progress write is due: it writes the run as it is when it starts (the latest state wins). */
    let pending = false;
    let finished = false;
    /** Ends the wait of the in-progress write that is due, so it is made (or dropped) now. */
    let hurry = (): void => undefined;
    const saveBeside = () => {
      if (pending) return;
      pending = true;
      // A short wait first: a run that ends within it has only its final write (which supersedes
      // this one); reads of the response wait for the writes in the meantime.
      writing = writing.then(async () => {
        if (!pending) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IN_PROGRESS_WRITE_DELAY_MS);
          hurry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        hurry = () => undefined;
        if (!pending) return;
        pending = false;
        const snapshot = run.snapshot('in_progress');
        await save(snapshot).catch((error: Error) => this.logger.warn('could not keep a response in progress', { response_id: snapshot.id, error: error.message }));
      });
      this.store.track(prepared.responseId, writing);
    };
    try {
      for await (const event of run.run()) {
        const type = event.type;
        if (store && watched && (type === 'response.in_progress' || type === 'response.output_item.done')) saveBeside();
        else if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
          const response = (event as unknown as { response: ResponseObject }).response;
          if (type !== 'response.failed' && store && prepared.conversationId) await this.appendToConversation(prepared, response);
          // Neither the last event nor the reply waits for the writes: the final one follows those in
          // progress (tracked by the store), and reads of this response wait for it.
          pending = false;
          hurry();
          if (store) this.store.saveBehind(stored(response), createdMs, (error) => this.logger.error('could not keep a response', { response_id: response.id, error: error.message }), traceContext);
          finished = true;
        }
        yield event;
      }
    } finally {
      // A run stopped early (cancelled, deleted) leaves no write behind that could land after the caller's.
      if (!finished) {
        hurry();
        await writing;
      }
    }
  }

  private async appendToConversation(prepared: PreparedResponse, response: ResponseObject): Promise<void> {
    const items = [...prepared.input, ...(response.output as Item[])].filter((item) => CONVERSATION_ITEM_TYPES.has(item.type));
    await this.deps.conversations!.appendItems(prepared.conversationId!, items as unknown as ConversationItemInput[]);
  }

  private async startBackground(prepared: PreparedResponse, context: RequestContext): Promise<ResponseObject> {
    const controller = new AbortController();
    const runContext: RequestContext = { signal: controller.signal, providerData: context.providerData, traceContext: context.traceContext, logger: context.logger };
    const run = this.runtime.run(prepared, runContext, { background: true });
    const queued = { ...run.snapshot('queued') } as ResponseObject;
    await this.store.save({ response: queued, input: prepared.input, messages: [] }, Date.now(), context.traceContext);
    const done = (async () => {
      await this.slot();
      try {
        if (controller.signal.aborted) return;
        for await (const _event of this.persisting(run, prepared, true, runContext.traceContext)) {
          if (controller.signal.aborted) break;
        }
      } catch (error) {
        this.logger.error('a background response failed to be kept', { response_id: prepared.responseId, error: (error as Error).message });
      } finally {
        this.release();
        this.running.delete(prepared.responseId);
      }
    })();
    this.running.set(prepared.responseId, { controller, done });
    return queued;
  }

  private async slot(): Promise<void> {
    if (this.active < this.config.max_background_responses) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  /** Checks the request and resolves what it names (previous response, conversation, prompt, items) before anything runs. */
  private async prepare(request: CreateResponseRequest, context: RequestContext): Promise<PreparedResponse> {
    if (this.closed) throw new UnavailableError('The server is shutting down.');
    if (request.background && request.store === false) throw new InvalidRequestError("'background' needs 'store': background responses are kept.", { param: 'store' });
    if (request.stream && request.background) throw new InvalidRequestError("'stream' and 'background' cannot be used together.", { param: 'background' });
    const conversationId = typeof request.conversation === 'string' ? request.conversation : (request.conversation?.id ?? null);
    if (conversationId !== null) {
      if (request.previous_response_id) throw new InvalidRequestError("Provide only one of 'previous_response_id' and 'conversation'.", { param: 'conversation' });
      if (!CONVERSATION_ID.test(conversationId)) throw new InvalidRequestError(`Invalid conversation id '${conversationId}': it is 'conv_' followed by 48 lowercase hex characters.`, { param: 'conversation' });
      if (!this.deps.conversations) throw new InvalidRequestError('conversation needs the conversations API, which this distribution does not serve.', { param: 'conversation' });
    }
    const shieldIds = this.runtime.shieldIds(request.guardrails, 'guardrails');
    if (request.truncation === 'auto') throw new InvalidRequestError("truncation 'auto' is not supported; use 'disabled' and let the model refuse oversized contexts.", { param: 'truncation' });
    ResponseTools.check(request, this.runtime.toolDeps);
    // MCP server URLs are checked before anything runs, so a refused one is a 400, not a failed stream.
    for (const [index, tool] of (request.tools ?? []).entries()) {
      if (tool.type === 'mcp') await this.outbound.check(tool.server_url!, `tools[${index}].server_url`);
    }
    await this.runtime.checkModel(request.model, 'model', 'responses');

    const items = inputItems(request.input);
    let previous: StoredResponse | null = null;
    if (request.previous_response_id) {
      previous = await this.store.get(request.previous_response_id, 'previous_response_id');
      if (previous.response.status === 'queued' || previous.response.status === 'in_progress') {
        throw new InvalidRequestError(`Response '${request.previous_response_id}' is still ${previous.response.status}; a response can follow it once it ends.`, { param: 'previous_response_id' });
      }
    }
    const known = [...(previous?.input ?? []), ...((previous?.response.output as Item[] | undefined) ?? [])] as Item[];
    const conversationItems = conversationId !== null ? await this.conversationItems(conversationId) : [];
    const resolved = this.resolveReferences(items, [...known, ...conversationItems]);
    const approvedCalls = this.approvals(resolved, [...known, ...conversationItems]);

    const sources = { files: this.deps.files, outbound: this.outbound, signal: context.signal };
    let messages: ChatMessage[];
    if (previous) messages = [...previous.messages, ...(await toChatMessages(resolved, sources))];
    else messages = [...(await toChatMessages(conversationItems, sources, 'conversation')), ...(await toChatMessages(resolved, sources))];
    if (request.instructions) messages.unshift({ role: 'system', content: request.instructions });
    if (request.prompt) {
      const { system, media } = await promptMessages(request.prompt, this.deps.prompts, sources);
      messages.unshift(system);
      if (media) messages.push(media);
    }
    const previousListings = ((previous?.response.output as Item[] | undefined) ?? []).filter((item) => item.type === 'mcp_list_tools' && !item.error);
    return {
      request,
      responseId: newId('resp'),
      createdAt: Math.floor(Date.now() / 1000),
      messages,
      input: previous ? [...known, ...resolved] : resolved,
      conversationId,
      approvedCalls,
      previousListings,
      responseFormat: responseFormatOf(request.text),
      ...(shieldIds.length ? { guardrails: { input: shieldIds, output: shieldIds } } : {}),
    };
  }

  private async conversationItems(conversationId: string): Promise<Item[]> {
    const conversations = this.deps.conversations!;
    try {
      await conversations.getConversation(conversationId);
    } catch (error) {
      if (NotFoundError.is(error)) throw new NotFoundError('conversation', conversationId, error.message, { param: 'conversation', code: 'conversation_not_found' });
      throw error;
    }
    const items: Item[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await conversations.listItems(conversationId, { order: 'asc', limit: 100, ...(after ? { after } : {}) });
      items.push(...(page.data as Item[]));
      if (!page.has_more || !page.last_id) return items;
      after = page.last_id;
    }
  }

  /** item_reference items replaced by the items they name (from the previous response or the conversation). */
  private resolveReferences(items: Item[], known: readonly Item[]): Item[] {
    return items.map((item, index) => {
      if (item.type !== 'item_reference') return item;
      const found = known.find((candidate) => candidate.id === item.id);
      if (!found) throw new InvalidRequestError(`No item '${item.id}' to reference: an item_reference names an item of the previous response or of the conversation.`, { param: `input[${index}].id` });
      return found;
    });
  }

  /** The MCP calls the input approves, each matched to the approval request it answers. */
  private approvals(items: readonly Item[], known: readonly Item[]): ApprovedMcpCall[] {
    const approved: ApprovedMcpCall[] = [];
    for (const [index, item] of items.entries()) {
      if (item.type !== 'mcp_approval_response') continue;
      const requestId = item.approval_request_id as string;
      const approvalRequest = [...known, ...items].find((candidate) => candidate.type === 'mcp_approval_request' && candidate.id === requestId);
      if (!approvalRequest) {
        throw new InvalidRequestError(`No mcp_approval_request '${requestId}' to answer; it must be in the previous response or the input.`, { param: `input[${index}].approval_request_id` });
      }
      if (item.approve) {
        approved.push({ approvalRequestId: requestId, serverLabel: approvalRequest.server_label as string, name: approvalRequest.name as string, arguments: approvalRequest.arguments as string });
      }
    }
    return approved;
  }
}
