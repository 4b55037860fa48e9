import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ChatToolCall,
  ChatToolChoice,
  CompletionUsage,
  InferenceApi,
  RequestContext,
  ResponseStreamEvent,
  SafetyApi,
  SafetyViolation,
} from '@cria/api';
import { isCriaError } from '@cria/api';
import { extractFileCitations } from '@cria/provider-tool-runtime-file-search';
import { newId } from './responses-input.js';
import { isWebSearchType, ResponseTools, type ToolRun } from './responses-tools.js';
import type { OutputItem, PreparedResponse, ResponseSnapshot, UnnumberedEvent } from './responses-types.js';

type Status = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

/** A tool call the model made, assembled from its stream. */
interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
  /** The output item's id (fc_ for functions; the server-side item's otherwise). */
  itemId: string;
  /** The output index of a function call's item, announced while streaming. */
  outputIndex: number | null;
}

/** One model call's result. */
interface ModelTurn {
  text: string;
  refusal: string;
  toolCalls: ModelToolCall[];
  finishReason: string | null;
  /** An output guardrail blocked the answer: its text became a refusal and no tool runs. */
  blocked: boolean;
}

/** A tool call of the model, as an observer sees it. */
export interface ObservedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Sees the steps of a run as they happen (the agents API builds its steps from them). Each is
 * called between the run's events: after the events of what it reports, before the next event.
 */
export interface RunObserver {
  /** A model call starts. */
  modelCallStarted?(): void;
  /** A model call ended with this text and these tool calls. */
  modelCallEnded?(answer: { text: string; toolCalls: ObservedToolCall[]; finishReason: string | null }): void;
  /** A server-side tool (file_search, web_search, MCP) starts. */
  toolCallStarted?(call: ObservedToolCall): void;
  /** A server-side tool ended; `output` is what the model reads. */
  toolCallEnded?(call: ObservedToolCall, output: string, failed: boolean): void;
  /** Guardrail shields checked the input (before the first model call) or an answer; `violation` is the blocking one, or null. */
  shieldChecked?(phase: 'input' | 'output', shieldIds: readonly string[], violation: SafetyViolation | null): void;
}

/** What a run needs besides the prepared request. */
export interface ResponseRunDeps {
  inference: InferenceApi;
  tools: ResponseTools;
  observer?: RunObserver;
  /** The safety router, for guardrails (the provider refuses guardrails without it). */
  safety?: SafetyApi;
}

/** The conversation as shields read it: user and assistant text, the last message judged. */
function shieldConversation(messages: readonly ChatMessage[]): ChatMessage[] {
  const conversation: ChatMessage[] = [];
  for (const message of messages) {
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    const content = message.content;
    const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).filter(Boolean).join('\n') : '';
    if (text) conversation.push({ role: message.role, content: text });
  }
  return conversation;
}

/**
 * One response, run as Open Responses events: the model streams, server-side tools (file_search,
 * web_search, MCP) run between model calls, and the loop ends at an answer, at a function call
 * for the client, at an MCP approval request, or at a limit. Every event is numbered from 0; the
 * last is response.completed, response.incomplete or response.failed. A fault after the first
 * event ends the stream with response.failed, its error kept in `failure` (for the JSON path to
 * answer with the original error).
 */
export class ResponseRun {
  private sequence = 0;
  readonly output: OutputItem[] = [];
  /** The chat messages so far (for storage and continuation). */
  readonly messages: ChatMessage[];
  private usage: Usage | null = null;
  private readonly citations: Record<string, string> = {};
  private builtinCalls = 0;
  failure: unknown = null;

  constructor(
    private readonly prepared: PreparedResponse,
    private readonly deps: ResponseRunDeps,
    private readonly context: RequestContext,
    private readonly options: { background: boolean },
  ) {
    this.messages = [...prepared.messages];
  }

  private event(event: UnnumberedEvent): ResponseStreamEvent {
    // Llama Stack's item and part events name their response.
    const named = event.type.startsWith('response.output_item.') || event.type.startsWith('response.content_part.') ? { response_id: this.prepared.responseId } : {};
    return { ...event, ...named, sequence_number: this.sequence++ } as ResponseStreamEvent;
  }

  /** The response object now (OpenAI's Response; fields as Llama Stack fills them). */
  snapshot(status: Status, extra: { error?: Record<string, unknown> | null; incomplete_details?: Record<string, unknown> | null } = {}): ResponseSnapshot {
    const request = this.prepared.request;
    return {
      id: this.prepared.responseId,
      object: 'response',
      created_at: this.prepared.createdAt,
      status,
      completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
      error: extra.error ?? null,
      incomplete_details: extra.incomplete_details ?? null,
      instructions: request.instructions ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      max_tool_calls: request.max_tool_calls ?? null,
      model: request.model,
      output: this.output.map((item) => structuredClone(item)),
      parallel_tool_calls: request.parallel_tool_calls ?? true,
      previous_response_id: request.previous_response_id ?? null,
      conversation: this.prepared.conversationId ? { id: this.prepared.conversationId } : null,
      prompt: request.prompt ? promptEcho(request.prompt) : null,
      prompt_cache_key: request.prompt_cache_key ?? null,
      reasoning: request.reasoning ? { effort: request.reasoning.effort ?? null, summary: request.reasoning.summary ?? null } : null,
      safety_identifier: request.safety_identifier ?? null,
      service_tier: 'default',
      store: request.store ?? true,
      background: this.options.background,
      temperature: request.temperature ?? 1,
      top_p: request.top_p ?? 1,
      frequency_penalty: request.frequency_penalty ?? 0,
      presence_penalty: request.presence_penalty ?? 0,
      top_logprobs: request.top_logprobs ?? 0,
      text: textEcho(request.text),
      tool_choice: request.tool_choice ?? 'auto',
      tools: (request.tools ?? []).map((tool) => {
        if (tool.type === 'function') return { type: 'function', name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null };
        // Credentials sent with an MCP tool are not echoed back.
        if (tool.type !== 'mcp') return tool;
        const { authorization: _authorization, headers: _headers, ...shown } = tool;
        return shown;
      }),
      truncation: request.truncation ?? 'disabled',
      usage: this.usage,
      ...(request.user ? { user: request.user } : {}),
      metadata: request.metadata ?? {},
    } as unknown as ResponseSnapshot;
  }

  async *run(): AsyncGenerator<ResponseStreamEvent> {
    yield this.event({ type: 'response.created', response: this.snapshot('in_progress') });
    yield this.event({ type: 'response.in_progress', response: this.snapshot('in_progress') });
    let status: Status = 'completed';
    let incompleteReason: string | null = null;
    try {
      if (!(yield* this.guardInput())) ({ status, incompleteReason } = yield* this.loop());
    } catch (error) {
      if (this.context.signal.aborted) return;
      this.failure = error;
      // OpenAI's ResponseErrorCode has no codes for request or upstream faults; the message says which.
      const code = 'server_error';
      const message = isCriaError(error) ? error.message : 'An unexpected error occurred while generating the response.';
      yield this.event({ type: 'response.failed', response: this.snapshot('failed', { error: { code, message } }) });
      return;
    }
    if (status === 'incomplete') {
      yield this.event({ type: 'response.incomplete', response: this.snapshot('incomplete', { incomplete_details: { reason: incompleteReason } }) });
    } else {
      yield this.event({ type: 'response.completed', response: this.snapshot('completed') });
    }
  }

  /** The model and tool loop, until an answer, a call for the client, an approval request or a limit. */
  private async *loop(): AsyncGenerator<ResponseStreamEvent, { status: Status; incompleteReason: string | null }> {
    yield* this.prepareTools();
    for (const approved of this.prepared.approvedCalls) {
      const server = this.deps.tools.mcpServer(approved.name);
      if (!server || server.server_label !== approved.serverLabel) continue;
      const itemId = newId('mcp');
      this.messages.push({ role: 'assistant', content: null, tool_calls: [{ id: itemId, type: 'function', function: { name: approved.name, arguments: approved.arguments } }] });
      yield* this.runServerTool({ id: itemId, name: approved.name, arguments: approved.arguments, itemId, outputIndex: null }, approved.approvalRequestId);
    }
    const request = this.prepared.request;
    let status: Status = 'completed';
    let incompleteReason: string | null = null;
    let toolChoice = this.chatToolChoice();
    const maxIterations = request.max_infer_iters ?? 10;
    let outputTokens = 0;
    for (let iteration = 0; ; iteration++) {
      if (request.max_output_tokens !== undefined && request.max_output_tokens !== null && outputTokens >= request.max_output_tokens) {
        status = 'incomplete';
        incompleteReason = 'max_output_tokens';
        break;
      }
      const turn: ModelTurn = { text: '', refusal: '', toolCalls: [], finishReason: null, blocked: false };
      const before = this.usage?.output_tokens ?? 0;
      yield* this.callModel(toolChoice.choice, toolChoice.allowed, request.max_output_tokens ? request.max_output_tokens - outputTokens : null, turn);
      outputTokens += (this.usage?.output_tokens ?? 0) - before;
      const functionCalls = turn.toolCalls.filter((call) => this.deps.tools.kindOf(call.name) === 'function' || this.deps.tools.kindOf(call.name) === undefined);
      const serverCalls = turn.blocked ? [] : turn.toolCalls.filter((call) => !functionCalls.includes(call));
      const awaitingApproval = serverCalls.filter((call) => this.deps.tools.approvalRequired(call.name));
      const toRun = serverCalls.filter((call) => !awaitingApproval.includes(call));
      const sent = [...functionCalls, ...toRun];
      if (turn.text || turn.refusal || sent.length > 0) {
        this.messages.push({
          role: 'assistant',
          content: turn.text || null,
          ...(turn.refusal ? { refusal: turn.refusal } : {}),
          ...(sent.length > 0 ? { tool_calls: sent.map((call): ChatToolCall => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) } : {}),
        });
      }
      for (const call of awaitingApproval) yield* this.approvalRequest(call);
      for (const call of toRun) {
        if (request.max_tool_calls && this.builtinCalls >= request.max_tool_calls) {
          this.messages.push({ role: 'tool', tool_call_id: call.id, content: `Tool call skipped: maximum tool calls limit (${request.max_tool_calls}) reached.` });
          continue;
        }
        yield* this.runServerTool(call, null);
      }
      for (const call of functionCalls) yield* this.functionCallDone(call);
      if (turn.finishReason === 'length') {
        status = 'incomplete';
        incompleteReason = 'max_output_tokens';
        break;
      }
      if (functionCalls.length > 0 || toRun.length === 0) break;
      if (iteration + 1 >= maxIterations) {
        status = 'incomplete';
        incompleteReason = 'max_iterations_exceeded';
        break;
      }
      // Forcing a tool applies to the first model call only, or the loop would never end.
      if (toolChoice.choice !== undefined && toolChoice.choice !== 'auto') toolChoice = { ...toolChoice, choice: 'auto' };
    }
    return { status, incompleteReason };
  }

  /** Runs the input guardrails; when one blocks, the response is a refusal and no model is called. */
  private async *guardInput(): AsyncGenerator<ResponseStreamEvent, boolean> {
    const shieldIds = this.prepared.guardrails?.input ?? [];
    if (shieldIds.length === 0 || !this.deps.safety) return false;
    const block = await this.deps.safety.checkGuardrails({ shieldIds, messages: shieldConversation(this.messages) }, this.context);
    this.deps.observer?.shieldChecked?.('input', shieldIds, block?.violation ?? null);
    if (!block) return false;
    const item: OutputItem = { type: 'message', id: newId('msg'), role: 'assistant', status: 'in_progress', content: [] };
    const outputIndex = this.output.push(item) - 1;
    const part = { type: 'refusal', refusal: block.refusal };
    yield this.event({ type: 'response.output_item.added', output_index: outputIndex, item: structuredClone(item) });
    yield this.event({ type: 'response.content_part.added', item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'refusal', refusal: '' } });
    yield this.event({ type: 'response.refusal.delta', item_id: item.id, output_index: outputIndex, content_index: 0, delta: block.refusal });
    yield this.event({ type: 'response.refusal.done', item_id: item.id, output_index: outputIndex, content_index: 0, refusal: block.refusal });
    yield this.event({ type: 'response.content_part.done', item_id: item.id, output_index: outputIndex, content_index: 0, part });
    item.content = [part];
    item.status = 'completed';
    yield this.event({ type: 'response.output_item.done', output_index: outputIndex, item: structuredClone(item) });
    this.messages.push({ role: 'assistant', content: null, refusal: block.refusal });
    return true;
  }

  /** Offers the request's tools to the model; MCP servers are listed (or their previous listing reused). */
  private async *prepareTools(): AsyncGenerator<ResponseStreamEvent> {
    const tools = this.deps.tools;
    for (const [index, tool] of (this.prepared.request.tools ?? []).entries()) {
      if (tool.type === 'function') tools.addFunction(tool);
      else if (tool.type === 'file_search') tools.addFileSearch(tool);
      else if (isWebSearchType(tool.type)) await tools.addWebSearch();
      else if (tool.type === 'mcp') {
        const param = `tools[${index}].server_url`;
        const previous = this.prepared.previousListings.find((listing) => listing.server_label === tool.server_label);
        if (previous) {
          tools.addMcpTools(tool, previous.tools as never, param);
          continue;
        }
        const item: OutputItem = { type: 'mcp_list_tools', id: newId('mcp_list'), server_label: tool.server_label, tools: [] };
        const outputIndex = this.output.push(item) - 1;
        yield this.event({ type: 'response.output_item.added', output_index: outputIndex, item: structuredClone(item) });
        yield this.event({ type: 'response.mcp_list_tools.in_progress', item_id: item.id, output_index: outputIndex });
        try {
          item.tools = tools.addMcpTools(tool, await tools.listMcp(tool, param), param);
        } catch (error) {
          item.error = (error as Error).message;
          yield this.event({ type: 'response.mcp_list_tools.failed', item_id: item.id, output_index: outputIndex });
          yield this.event({ type: 'response.output_item.done', output_index: outputIndex, item: structuredClone(item) });
          throw error;
        }
        yield this.event({ type: 'response.mcp_list_tools.completed', item_id: item.id, output_index: outputIndex });
        yield this.event({ type: 'response.output_item.done', output_index: outputIndex, item: structuredClone(item) });
      }
    }
  }

  /** The chat tool_choice for the first model call, and the allowed tool names when tool_choice lists them. */
  private chatToolChoice(): { choice: ChatToolChoice | undefined; allowed: Set<string> | null } {
    const choice = this.prepared.request.tool_choice;
    if (choice === undefined || choice === null) return { choice: undefined, allowed: null };
    if (typeof choice === 'string') return { choice, allowed: null };
    switch (choice.type) {
      case 'function':
        return { choice: { type: 'function', function: { name: choice.name } }, allowed: null };
      case 'mcp':
        if (choice.name) return { choice: { type: 'function', function: { name: choice.name } }, allowed: null };
        return { choice: 'required', allowed: new Set(this.deps.tools.mcpToolNames(choice.server_label)) };
      case 'allowed_tools': {
        const allowed = new Set<string>();
        for (const tool of choice.tools) {
          if (tool.type === 'function' && typeof tool.name === 'string') allowed.add(tool.name);
          else if (tool.type === 'mcp' && typeof tool.server_label === 'string') {
            for (const name of this.deps.tools.mcpToolNames(tool.server_label)) if (tool.name === undefined || tool.name === name) allowed.add(name);
          } else if (tool.type === 'file_search') allowed.add('file_search');
          else if (typeof tool.type === 'string' && isWebSearchType(tool.type)) allowed.add('web_search');
        }
        return { choice: choice.mode ?? 'auto', allowed };
      }
      default:
        return { choice: { type: 'function', function: { name: choice.type === 'file_search' ? 'file_search' : 'web_search' } }, allowed: null };
    }
  }

  /** One streamed model call: text, refusal and reasoning as they come; function calls announced as they start. */
  private async *callModel(toolChoice: ChatToolChoice | undefined, allowed: Set<string> | null, maxTokens: number | null, turn: ModelTurn): AsyncGenerator<ResponseStreamEvent> {
    const request = this.prepared.request;
    const offered = this.deps.tools.offered.filter((tool) => !allowed || allowed.has(tool.chat.function.name)).map((tool) => tool.chat);
    const logprobs = (request.include ?? []).includes('message.output_text.logprobs') || Boolean(request.top_logprobs);
    const chatRequest: ChatCompletionRequest = {
      model: request.model,
      messages: this.messages,
      stream: true,
      stream_options: { include_usage: true },
      // The response is the record; its model calls are not kept again as chat completions.
      store: false,
      ...(offered.length > 0 ? { tools: offered, ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}), ...(request.parallel_tool_calls !== undefined && request.parallel_tool_calls !== null ? { parallel_tool_calls: request.parallel_tool_calls } : {}) } : {}),
      ...(request.temperature !== undefined && request.temperature !== null ? { temperature: request.temperature } : {}),
      ...(request.top_p !== undefined && request.top_p !== null ? { top_p: request.top_p } : {}),
      ...(request.frequency_penalty !== undefined && request.frequency_penalty !== null ? { frequency_penalty: request.frequency_penalty } : {}),
      ...(request.presence_penalty !== undefined && request.presence_penalty !== null ? { presence_penalty: request.presence_penalty } : {}),
      ...(maxTokens !== null ? { max_completion_tokens: maxTokens } : {}),
      ...(logprobs ? { logprobs: true, ...(request.top_logprobs ? { top_logprobs: request.top_logprobs } : {}) } : {}),
      ...(this.prepared.responseFormat ? { response_format: this.prepared.responseFormat } : {}),
      ...(request.safety_identifier ? { safety_identifier: request.safety_identifier } : {}),
      ...(request.prompt_cache_key ? { prompt_cache_key: request.prompt_cache_key } : {}),
      ...(typeof request.reasoning?.effort === 'string' ? { reasoning_effort: request.reasoning.effort as never } : {}),
    };
    this.deps.observer?.modelCallStarted?.();
    const stream = await this.deps.inference.streamChatCompletion(chatRequest, this.context);
    const message = { id: newId('msg'), outputIndex: -1, textPart: -1, refusalPart: -1, logprobs: [] as unknown[] };
    const reasoning = { id: newId('rs'), outputIndex: -1, text: '' };
    const calls = new Map<number, ModelToolCall>();
    const guarded = (this.prepared.guardrails?.output.length ?? 0) > 0 && this.deps.safety !== undefined;
    const openMessage = (): ResponseStreamEvent | null => {
      if (message.outputIndex >= 0) return null;
      const item: OutputItem = { type: 'message', id: message.id, role: 'assistant', status: 'in_progress', content: [] };
      message.outputIndex = this.output.push(item) - 1;
      return this.event({ type: 'response.output_item.added', output_index: message.outputIndex, item: structuredClone(item) });
    };
    const self = this;
    async function* textDelta(text: string, logprobs: unknown[]): AsyncGenerator<ResponseStreamEvent> {
      const added = openMessage();
      if (added) yield added;
      if (message.textPart < 0) {
        message.textPart = message.refusalPart < 0 ? 0 : 1;
        yield self.event({ type: 'response.content_part.added', item_id: message.id, output_index: message.outputIndex, content_index: message.textPart, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
      }
      yield self.event({ type: 'response.output_text.delta', item_id: message.id, output_index: message.outputIndex, content_index: message.textPart, delta: text, logprobs });
    }
    async function* refusalDelta(text: string): AsyncGenerator<ResponseStreamEvent> {
      const added = openMessage();
      if (added) yield added;
      if (message.refusalPart < 0) {
        message.refusalPart = message.textPart < 0 ? 0 : 1;
        yield self.event({ type: 'response.content_part.added', item_id: message.id, output_index: message.outputIndex, content_index: message.refusalPart, part: { type: 'refusal', refusal: '' } });
      }
      turn.refusal += text;
      yield self.event({ type: 'response.refusal.delta', item_id: message.id, output_index: message.outputIndex, content_index: message.refusalPart, delta: text });
    }
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      if (chunk.usage) this.addUsage(chunk.usage);
      for (const choice of chunk.choices) {
        const delta = choice.delta;
        if (choice.finish_reason) turn.finishReason = choice.finish_reason;
        if (delta.reasoning_content) {
          if (reasoning.outputIndex < 0) {
            const item: OutputItem = { type: 'reasoning', id: reasoning.id, status: 'in_progress', summary: [], content: [] };
            reasoning.outputIndex = this.output.push(item) - 1;
            yield this.event({ type: 'response.output_item.added', output_index: reasoning.outputIndex, item: structuredClone(item) });
            yield this.event({ type: 'response.content_part.added', item_id: reasoning.id, output_index: reasoning.outputIndex, content_index: 0, part: { type: 'reasoning_text', text: '' } });
          }
          reasoning.text += delta.reasoning_content;
          yield this.event({ type: 'response.reasoning_text.delta', item_id: reasoning.id, output_index: reasoning.outputIndex, content_index: 0, delta: delta.reasoning_content });
        }
        if (delta.content) {
          turn.text += delta.content;
          const chunkLogprobs = choice.logprobs?.content ?? [];
          message.logprobs.push(...chunkLogprobs);
          // Guarded text is held until the output shields pass it.
          if (!guarded) {
            // After the first delta (which opens the item and part), inline: a generator per delta costs on the hot path.
            if (message.textPart < 0) yield* textDelta(delta.content, chunkLogprobs);
            else yield this.event({ type: 'response.output_text.delta', item_id: message.id, output_index: message.outputIndex, content_index: message.textPart, delta: delta.content, logprobs: chunkLogprobs });
          }
        }
        if (delta.refusal) yield* refusalDelta(delta.refusal);
        for (const callDelta of delta.tool_calls ?? []) {
          let call = calls.get(callDelta.index);
          if (!call) {
            call = { id: callDelta.id ?? newId('call'), name: callDelta.function?.name ?? '', arguments: '', itemId: '', outputIndex: null };
            calls.set(callDelta.index, call);
            const kind = this.deps.tools.kindOf(call.name);
            if (kind === 'function' || kind === undefined) {
              call.itemId = newId('fc');
              const item: OutputItem = { type: 'function_call', id: call.itemId, call_id: call.id, name: call.name, arguments: '', status: 'in_progress' };
              call.outputIndex = this.output.push(item) - 1;
              yield this.event({ type: 'response.output_item.added', output_index: call.outputIndex, item: structuredClone(item) });
            } else {
              call.itemId = newId(kind === 'mcp' ? 'mcp' : kind === 'file_search' ? 'fs' : 'ws');
            }
          } else if (callDelta.function?.name && !call.name) {
            call.name = callDelta.function.name;
          }
          const piece = callDelta.function?.arguments;
          if (piece) {
            call.arguments += piece;
            if (call.outputIndex !== null) {
              yield this.event({ type: 'response.function_call_arguments.delta', item_id: call.itemId, output_index: call.outputIndex, delta: piece });
            }
          }
        }
      }
    }
    if (guarded && turn.text) {
      const shieldIds = this.prepared.guardrails!.output;
      const block = await this.deps.safety!.checkGuardrails({ shieldIds, messages: [...shieldConversation(this.messages), { role: 'assistant', content: turn.text }] }, this.context);
      this.deps.observer?.shieldChecked?.('output', shieldIds, block?.violation ?? null);
      if (block) {
        turn.blocked = true;
        turn.text = '';
        message.logprobs = [];
        yield* refusalDelta(block.refusal);
      } else {
        yield* textDelta(turn.text, message.logprobs);
      }
    }
    if (reasoning.outputIndex >= 0) {
      const item = this.output[reasoning.outputIndex]!;
      item.status = 'completed';
      item.content = [{ type: 'reasoning_text', text: reasoning.text }];
      yield this.event({ type: 'response.reasoning_text.done', item_id: reasoning.id, output_index: reasoning.outputIndex, content_index: 0, text: reasoning.text });
      yield this.event({ type: 'response.content_part.done', item_id: reasoning.id, output_index: reasoning.outputIndex, content_index: 0, part: { type: 'reasoning_text', text: reasoning.text } });
      yield this.event({ type: 'response.output_item.done', output_index: reasoning.outputIndex, item: structuredClone(item) });
    }
    if (message.outputIndex >= 0) {
      const item = this.output[message.outputIndex]!;
      const content: Record<string, unknown>[] = [];
      if (message.textPart >= 0) {
        const { text, annotations } = extractFileCitations(turn.text, this.citations);
        const part = { type: 'output_text', text, annotations, logprobs: message.logprobs };
        yield this.event({ type: 'response.output_text.done', item_id: message.id, output_index: message.outputIndex, content_index: message.textPart, text, logprobs: message.logprobs });
        for (const [index, annotation] of annotations.entries()) {
          yield this.event({ type: 'response.output_text.annotation.added', item_id: message.id, output_index: message.outputIndex, content_index: message.textPart, annotation_index: index, annotation });
        }
        yield this.event({ type: 'response.content_part.done', item_id: message.id, output_index: message.outputIndex, content_index: message.textPart, part });
        content[message.textPart] = part;
      }
      if (message.refusalPart >= 0) {
        const part = { type: 'refusal', refusal: turn.refusal };
        yield this.event({ type: 'response.refusal.done', item_id: message.id, output_index: message.outputIndex, content_index: message.refusalPart, refusal: turn.refusal });
        yield this.event({ type: 'response.content_part.done', item_id: message.id, output_index: message.outputIndex, content_index: message.refusalPart, part });
        content[message.refusalPart] = part;
      }
      item.content = content;
      item.status = 'completed';
      yield this.event({ type: 'response.output_item.done', output_index: message.outputIndex, item: structuredClone(item) });
    }
    for (const call of calls.values()) {
      call.arguments ||= '{}';
      turn.toolCalls.push(call);
    }
    this.deps.observer?.modelCallEnded?.({ text: turn.text, toolCalls: turn.toolCalls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })), finishReason: turn.finishReason });
  }

  private async *functionCallDone(call: ModelToolCall): AsyncGenerator<ResponseStreamEvent> {
    const item = this.output[call.outputIndex!]!;
    item.arguments = call.arguments;
    item.status = 'completed';
    yield this.event({ type: 'response.function_call_arguments.done', item_id: call.itemId, output_index: call.outputIndex!, name: call.name, arguments: call.arguments });
    yield this.event({ type: 'response.output_item.done', output_index: call.outputIndex!, item: structuredClone(item) });
  }

  private async *approvalRequest(call: ModelToolCall): AsyncGenerator<ResponseStreamEvent> {
    const server = this.deps.tools.mcpServer(call.name)!;
    const item: OutputItem = { type: 'mcp_approval_request', id: newId('mcpr'), server_label: server.server_label, name: call.name, arguments: call.arguments };
    const outputIndex = this.output.push(item) - 1;
    yield this.event({ type: 'response.output_item.added', output_index: outputIndex, item: structuredClone(item) });
    yield this.event({ type: 'response.output_item.done', output_index: outputIndex, item: structuredClone(item) });
  }

  /** Runs a file_search, web_search or MCP call with its events, and gives the model its result. */
  private async *runServerTool(call: ModelToolCall, approvalRequestId: string | null): AsyncGenerator<ResponseStreamEvent> {
    const tools = this.deps.tools;
    const kind = tools.kindOf(call.name);
    const itemId = call.itemId;
    let pending: OutputItem;
    if (kind === 'mcp') {
      pending = { type: 'mcp_call', id: itemId, server_label: tools.mcpServer(call.name)!.server_label, name: call.name, arguments: '', output: null, error: null, status: 'in_progress', approval_request_id: approvalRequestId };
    } else if (kind === 'file_search') {
      pending = { type: 'file_search_call', id: itemId, status: 'in_progress', queries: [], results: null };
    } else {
      pending = { type: 'web_search_call', id: itemId, status: 'in_progress', action: { type: 'search', query: '' } };
    }
    const outputIndex = this.output.push(pending) - 1;
    const prefix = kind === 'mcp' ? 'response.mcp_call' : kind === 'file_search' ? 'response.file_search_call' : 'response.web_search_call';
    yield this.event({ type: 'response.output_item.added', output_index: outputIndex, item: structuredClone(pending) });
    if (kind === 'mcp') {
      yield this.event({ type: 'response.mcp_call.arguments.delta', item_id: itemId, output_index: outputIndex, delta: call.arguments });
      yield this.event({ type: 'response.mcp_call.arguments.done', item_id: itemId, output_index: outputIndex, arguments: call.arguments });
    }
    this.deps.observer?.toolCallStarted?.({ id: call.id, name: call.name, arguments: call.arguments });
    yield this.event({ type: `${prefix}.in_progress`, item_id: itemId, output_index: outputIndex });
    if (kind !== 'mcp') yield this.event({ type: `${prefix}.searching`, item_id: itemId, output_index: outputIndex });
    let run: ToolRun;
    if (kind === 'mcp') run = await tools.runMcp(itemId, call.name, call.arguments, tools.mcpServer(call.name)!, approvalRequestId);
    else if (kind === 'file_search') run = await tools.runFileSearch(itemId, call.id, call.arguments, (this.prepared.request.include ?? []).includes('file_search_call.results'));
    else run = await tools.runWebSearch(itemId, call.id, call.arguments);
    this.builtinCalls++;
    Object.assign(this.citations, run.citations);
    this.output[outputIndex] = run.item;
    yield this.event({ type: `${prefix}.${run.failed && kind === 'mcp' ? 'failed' : 'completed'}`, item_id: itemId, output_index: outputIndex });
    yield this.event({ type: 'response.output_item.done', output_index: outputIndex, item: structuredClone(run.item) });
    this.messages.push(run.message);
    this.deps.observer?.toolCallEnded?.({ id: call.id, name: call.name, arguments: call.arguments }, typeof run.message.content === 'string' ? run.message.content : JSON.stringify(run.message.content), run.failed);
  }

  private addUsage(usage: CompletionUsage): void {
    const current = this.usage ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } };
    current.input_tokens += usage.prompt_tokens;
    current.output_tokens += usage.completion_tokens;
    current.total_tokens += usage.total_tokens;
    current.input_tokens_details.cached_tokens += usage.prompt_tokens_details?.cached_tokens ?? 0;
    current.output_tokens_details.reasoning_tokens += usage.completion_tokens_details?.reasoning_tokens ?? 0;
    this.usage = current;
  }
}

/** The prompt as Llama Stack echoes it: text variables as input_text parts. */
function promptEcho(prompt: NonNullable<PreparedResponse['request']['prompt']>): Record<string, unknown> {
  const variables = prompt.variables ? Object.fromEntries(Object.entries(prompt.variables).map(([name, value]) => [name, typeof value === 'string' ? { type: 'input_text', text: value } : value])) : null;
  return { id: prompt.id, version: prompt.version ?? null, variables };
}

/** `text` as the response echoes it: a format always (text by default); json_schema with its strict flag. */
function textEcho(text: PreparedResponse['request']['text']): Record<string, unknown> {
  const format = text?.format;
  const echoed =
    !format || format.type === 'text'
      ? { type: 'text' }
      : format.type === 'json_object'
        ? { type: 'json_object' }
        : { type: 'json_schema', name: format.name, ...(format.description ? { description: format.description } : {}), schema: format.schema ?? null, strict: format.strict ?? false };
  return { ...text, format: echoed };
}
