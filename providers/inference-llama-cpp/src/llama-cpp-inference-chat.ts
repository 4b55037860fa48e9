import { type ChatCompletion, type ChatCompletionChunk, type ChatCompletionRequest, type ChatToolCall, InvalidRequestError, type RequestContext } from '@cria/api';
import { type ChatHistoryItem, type ChatModelFunctions, type ChatWrapper, LlamaChat, type LlamaChatResponseChunk, type LlamaContextSequence, type LlamaGrammar } from 'node-llama-cpp';
import { ForcedFunctionCallChatWrapper } from './llama-cpp-forced-call.js';
import { contextLimitError, type FinishReason, finishReasonOf, type LlamaCppRuntime, newId, nowSeconds, sampledSince, usage } from './llama-cpp-inference-common.js';
import { type JsonGrammars, type ToolCallCallbacks, ToolCallStream } from './llama-cpp-inference-tool-calls.js';
import type { LoadedModel, ModelSlot } from './llama-cpp-models.js';
import { chatHistoryFor, rejectUnsupported, type Sampling, samplingFor, toolPlanFor } from './llama-cpp-request.js';
import { streamGeneration } from './llama-cpp-stream.js';

/** Everything a chat request needs once checked, before a sequence is taken. */
interface PreparedChat {
  slot: ModelSlot;
  loaded: LoadedModel;
  history: ChatHistoryItem[];
  chatWrapper: ChatWrapper;
  functions: ChatModelFunctions | undefined;
  grammar: LlamaGrammar | undefined;
  sampling: Sampling;
  maxTokens: number;
  promptTokens: number;
  n: number;
  maxParallelCalls: number | undefined;
}

/** What one choice produced. */
interface ChoiceResult {
  text: string;
  reasoning: string;
  toolCalls: ChatToolCall[];
  finishReason: FinishReason;
  completionTokens: number;
}

interface ChoiceCallbacks extends ToolCallCallbacks {
  onText?: (text: string) => void;
  onReasoning?: (text: string) => void;
}

/**
 * Chat completions with the model's own chat template: `n` choices generated side by side on as
 * many sequences, JSON output enforced by grammar, tool calls, reasoning segments, streamed or not.
 */
export class LlamaCppChat {
  constructor(
    private readonly runtime: LlamaCppRuntime,
    private readonly grammars: JsonGrammars,
  ) {}

  async chatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletion> {
    const prepared = await this.prepare(request);
    const lease = await prepared.slot.acquireSequences(prepared.n, context.signal);
    try {
      const results = await Promise.all(lease.sequences.map((sequence, index) => this.generateChoice(prepared, sequence, index, {}, context.signal)));
      const completionTokens = results.reduce((sum, result) => sum + result.completionTokens, 0);
      return {
        id: newId('chatcmpl'),
        object: 'chat.completion',
        created: nowSeconds(),
        model: request.model,
        choices: results.map((result, index) => ({
          index,
          message: {
            role: 'assistant',
            content: result.text || (result.toolCalls.length ? null : ''),
            ...(result.reasoning ? { reasoning_content: result.reasoning } : {}),
            ...(result.toolCalls.length ? { tool_calls: result.toolCalls } : {}),
          },
          finish_reason: result.finishReason,
          logprobs: null,
        })),
        usage: usage(prepared.promptTokens, completionTokens),
        system_fingerprint: null,
      };
    } finally {
      lease.release();
    }
  }

  async streamChatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    const prepared = await this.prepare(request);
    const lease = await prepared.slot.acquireSequences(prepared.n, context.signal);
    const id = newId('chatcmpl');
    const created = nowSeconds();
    const chunk = (choices: ChatCompletionChunk['choices'], extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk => ({ id, object: 'chat.completion.chunk', created, model: request.model, choices, system_fingerprint: null, ...extra });
    return streamGeneration<ChatCompletionChunk>(
      context.signal,
      async (queue, signal) => {
        for (let index = 0; index < prepared.n; index++) queue.push(chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]));
        const results = await Promise.all(
          lease.sequences.map(async (sequence, index) => {
            const result = await this.generateChoice(
              prepared,
              sequence,
              index,
              {
                onText: (text) => queue.push(chunk([{ index, delta: { content: text }, finish_reason: null, logprobs: null }])),
                onReasoning: (text) => queue.push(chunk([{ index, delta: { reasoning_content: text }, finish_reason: null, logprobs: null }])),
                onToolCallStart: (callIndex, callId, name) =>
                  queue.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, id: callId, type: 'function', function: { name, arguments: '' } }] }, finish_reason: null, logprobs: null }])),
                onToolCallArguments: (callIndex, text) => queue.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, function: { arguments: text } }] }, finish_reason: null, logprobs: null }])),
              },
              signal,
            );
            queue.push(chunk([{ index, delta: {}, finish_reason: result.finishReason, logprobs: null }]));
            return result;
          }),
        );
        if (request.stream_options?.include_usage) {
          queue.push(chunk([], { usage: usage(prepared.promptTokens, results.reduce((sum, result) => sum + result.completionTokens, 0)) }));
        }
      },
      () => lease.release(),
    );
  }

  private async prepare(request: ChatCompletionRequest): Promise<PreparedChat> {
    rejectUnsupported(request);
    const { settings, context } = this.runtime;
    const n = request.n ?? 1;
    if (n > settings.parallel_sequences) {
      throw new InvalidRequestError(`n is at most ${settings.parallel_sequences} for ${context.providerId} (its parallel_sequences: choices are generated side by side).`, { param: 'n' });
    }
    const slot = this.runtime.slot(request.model);
    const history = chatHistoryFor(request.messages);
    const plan = toolPlanFor(request);
    if (plan.functions) {
      for (const [index, tool] of (request.tools ?? []).entries()) {
        if (tool.function.parameters && plan.functions[tool.function.name]) await this.grammars.forSchema(tool.function.parameters, `tools[${index}].function.parameters`);
      }
    }
    let grammar: LlamaGrammar | undefined;
    const format = request.response_format;
    if (format && format.type !== 'text') {
      if (plan.functions) throw new InvalidRequestError('response_format json_schema/json_object cannot be combined with tool calls here; set tool_choice to none or drop response_format.', { param: 'response_format' });
      grammar = format.type === 'json_schema' && format.json_schema.schema ? await this.grammars.forSchema(format.json_schema.schema, 'response_format.json_schema.schema') : await this.grammars.anyJson();
    }
    const loaded = await slot.load();
    const sampling = samplingFor(request, loaded.model);
    const chatWrapper = plan.force ? new ForcedFunctionCallChatWrapper(loaded.chatWrapper!) : loaded.chatWrapper!;
    const promptTokens = chatWrapper.generateContextState({ chatHistory: history, ...(plan.functions ? { availableFunctions: plan.functions, documentFunctionParams: true } : {}) }).contextText.tokenize(loaded.model.tokenizer).length;
    const requested = request.max_completion_tokens ?? request.max_tokens ?? null;
    const maxParam = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    if (promptTokens >= loaded.contextSize) throw contextLimitError(loaded.contextSize, promptTokens, null, maxParam);
    if (requested !== null && promptTokens + requested > loaded.contextSize) throw contextLimitError(loaded.contextSize, promptTokens, requested, maxParam);
    return {
      slot,
      loaded,
      history,
      chatWrapper,
      functions: plan.functions,
      grammar,
      sampling,
      maxTokens: requested ?? loaded.contextSize - promptTokens,
      promptTokens,
      n,
      maxParallelCalls: request.parallel_tool_calls === false ? 1 : undefined,
    };
  }

  /** Generates one choice on one sequence; callbacks see the text as it comes. */
  private async generateChoice(prepared: PreparedChat, sequence: LlamaContextSequence, index: number, callbacks: ChoiceCallbacks, signal: AbortSignal): Promise<ChoiceResult> {
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: prepared.chatWrapper, autoDisposeSequence: false });
    const before = sequence.tokenMeter.getState();
    const { sampling } = prepared;
    const toolCalls = new ToolCallStream(callbacks);
    let reasoning = '';
    try {
      const common = {
        signal,
        maxTokens: prepared.maxTokens,
        temperature: sampling.temperature,
        topP: sampling.topP,
        // Each choice of one request gets its own seed, so n > 1 gives n different answers.
        ...(sampling.seed !== undefined ? { seed: sampling.seed + index } : {}),
        ...(sampling.customStopTriggers ? { customStopTriggers: sampling.customStopTriggers } : {}),
        ...(sampling.tokenBias ? { tokenBias: sampling.tokenBias } : {}),
        repeatPenalty: sampling.repeatPenalty,
        onResponseChunk: (chunk: LlamaChatResponseChunk) => {
          if (chunk.type === undefined) {
            if (chunk.text) callbacks.onText?.(chunk.text);
          } else if (chunk.segmentType === 'thought' && chunk.text) {
            reasoning += chunk.text;
            callbacks.onReasoning?.(chunk.text);
          }
        },
      };
      const response = prepared.functions
        ? await chat.generateResponse(prepared.history, {
            ...common,
            functions: prepared.functions,
            documentFunctionParams: true,
            ...(prepared.maxParallelCalls ? { maxParallelFunctionCalls: prepared.maxParallelCalls } : {}),
            onFunctionCallParamsChunk: toolCalls.onParamsChunk,
          })
        : await chat.generateResponse(prepared.history, { ...common, ...(prepared.grammar ? { grammar: prepared.grammar } : {}) });
      const calls = toolCalls.finish(response.functionCalls ?? []);
      return {
        text: response.response,
        reasoning,
        toolCalls: calls,
        finishReason: finishReasonOf(response.metadata.stopReason, calls.length > 0),
        completionTokens: sampledSince(sequence, before),
      };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }
}
