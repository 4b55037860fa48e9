import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionChoice,
  type ChatCompletionRequest,
  type ChatToolCall,
  type Completion,
  type CompletionRequest,
  type CompletionUsage,
  ConfigError,
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  type InferenceProvider,
  InvalidRequestError,
  NotFoundError,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderModel,
  type RequestContext,
  resolveConfigPath,
  UnavailableError,
} from '@cria/api';
import {
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  LlamaChat,
  type LlamaChatResponseChunk,
  LlamaCompletion,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  readGgufFileInfo,
  type Token,
} from 'node-llama-cpp';
import type { LlamaCppSettings } from './llama-cpp-config.js';
import { ForcedFunctionCallChatWrapper } from './llama-cpp-forced-call.js';
import { isDownloadable, parseModelSource } from './llama-cpp-model-source.js';
import { type LoadedModel, loadLlama, ModelSlot } from './llama-cpp-models.js';
import { chatHistoryFor, rejectUnsupported, type Sampling, samplingFor, toolPlanFor, vocabularySize } from './llama-cpp-request.js';
import { streamGeneration } from './llama-cpp-stream.js';

type FinishReason = ChatCompletionChoice['finish_reason'];

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

interface ChoiceCallbacks {
  onText?: (text: string) => void;
  onReasoning?: (text: string) => void;
  onToolCallStart?: (index: number, id: string, name: string) => void;
  onToolCallArguments?: (index: number, text: string) => void;
}

const GRAMMAR_CACHE_SIZE = 64;

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function usage(promptTokens: number, completionTokens: number): CompletionUsage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function finishReasonOf(stopReason: string, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) return 'tool_calls';
  return stopReason === 'maxTokens' ? 'length' : 'stop';
}

/** Sampled tokens of a sequence since `before` (node-llama-cpp meters one output per sampling step). */
function sampledSince(sequence: LlamaContextSequence, before: { usedOutputTokens: number }): number {
  return sequence.tokenMeter.usedOutputTokens - before.usedOutputTokens;
}

/**
 * `inline::llama-cpp`: GGUF models run in this process by node-llama-cpp. Each model is loaded
 * once, on first use; its context has `parallel_sequences` sequences that requests take from a
 * queue and give back as soon as they finish, fail or are cancelled.
 */
export class LlamaCppInference implements InferenceProvider, ProviderLifecycle {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly modelsDir: string;

  constructor(
    private readonly settings: LlamaCppSettings,
    private readonly context: Pick<ProviderContext, 'providerId' | 'logger' | 'distributionDir'>,
  ) {
    this.modelsDir = resolveConfigPath(settings.models_dir, context.distributionDir);
  }

  async registerModel(model: ProviderModel): Promise<Partial<ProviderModel> | void> {
    if (model.modelType === 'rerank') throw new ConfigError('', `inline::llama-cpp cannot serve rerank models ('${model.providerModelId}')`);
    let source;
    try {
      source = parseModelSource(model.providerModelId, this.modelsDir, this.context.distributionDir);
    } catch (error) {
      throw new ConfigError('', `provider_model_id ${(error as Error).message}`);
    }
    if (!existsSync(source.localPath)) {
      const how = isDownloadable(source)
        ? `download it with \`cria pull ${source.id}\` (into ${this.modelsDir}), or set provider_model_id to the path of a local .gguf file (the starter reads INFERENCE_MODEL and EMBEDDING_MODEL)`
        : `put the .gguf file there, or set provider_model_id to an hf:<owner>/<repo>:<quant> URI and run \`cria pull\` with it`;
      throw new UnavailableError(`model file ${source.localPath} is missing: ${how}.`, { code: 'model_file_missing' });
    }
    let info;
    try {
      info = await readGgufFileInfo(source.localPath, { readTensorInfo: false });
    } catch (error) {
      throw new UnavailableError(`${source.localPath} is not a readable GGUF model (${(error as Error).message}).`, { code: 'model_file_invalid' });
    }
    const architecture = info.architectureMetadata as { embedding_length?: number; context_length?: number };
    const trained = architecture.context_length ?? this.settings.context_size;
    const metadata: Record<string, unknown> = { context_length: Math.min(trained, this.settings.context_size), path: source.localPath };
    if (model.modelType === 'embedding') {
      if (!architecture.embedding_length) throw new UnavailableError(`${source.localPath} declares no embedding length; is it an embedding model?`, { code: 'model_file_invalid' });
      metadata.embedding_dimension = architecture.embedding_length;
    }
    const slot = new ModelSlot(model.providerModelId, source.localPath, model.modelType, this.settings, this.context.logger);
    this.slots.set(model.providerModelId, slot);
    if (this.settings.preload) await slot.load();
    return { metadata };
  }

  async chatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<ChatCompletion> {
    const prepared = await this.prepareChat(request);
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
    const prepared = await this.prepareChat(request);
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

  async completion(request: CompletionRequest, context: RequestContext): Promise<Completion> {
    const prepared = await this.prepareCompletion(request);
    const texts: string[] = new Array(prepared.jobs.length).fill('');
    const finishes: FinishReason[] = new Array(prepared.jobs.length).fill('stop');
    const completionTokens = await this.runCompletionJobs(prepared, context.signal, (job, text) => (texts[job] += text), (job, reason) => (finishes[job] = reason));
    return {
      id: newId('cmpl'),
      object: 'text_completion',
      created: nowSeconds(),
      model: request.model,
      choices: prepared.jobs.map((job, index) => ({ index, text: (request.echo ? job.echo : '') + texts[index], finish_reason: finishes[index]!, logprobs: null })),
      usage: usage(prepared.promptTokens, completionTokens),
      system_fingerprint: null,
    };
  }

  async streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>> {
    const prepared = await this.prepareCompletion(request);
    const id = newId('cmpl');
    const created = nowSeconds();
    const chunk = (choices: Completion['choices'], extra: Partial<Completion> = {}): Completion => ({ id, object: 'text_completion', created, model: request.model, choices, system_fingerprint: null, ...extra });
    return streamGeneration<Completion>(context.signal, async (queue, signal) => {
      if (request.echo) prepared.jobs.forEach((job, index) => queue.push(chunk([{ index, text: job.echo, finish_reason: null, logprobs: null }])));
      const completionTokens = await this.runCompletionJobs(
        prepared,
        signal,
        (job, text) => queue.push(chunk([{ index: job, text, finish_reason: null, logprobs: null }])),
        (job, reason) => queue.push(chunk([{ index: job, text: '', finish_reason: reason, logprobs: null }])),
      );
      if (request.stream_options?.include_usage) queue.push(chunk([], { usage: usage(prepared.promptTokens, completionTokens) }));
    });
  }

  async embeddings(request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsResponse> {
    const slot = this.slot(request.model);
    const rawInputs = typeof request.input === 'string' ? [request.input] : request.input.length > 0 && typeof request.input[0] === 'number' ? [request.input as number[]] : (request.input as string[] | number[][]);
    if (rawInputs.length === 0) throw new InvalidRequestError('input must not be empty.', { param: 'input' });
    const loaded = await slot.load();
    const dimension = loaded.model.embeddingVectorSize;
    if (request.dimensions !== undefined && request.dimensions !== dimension) {
      throw new InvalidRequestError(`Model '${request.model}' makes ${dimension}-dimensional embeddings; dimensions cannot change that.`, { param: 'dimensions' });
    }
    const inputs = rawInputs.map((input, index) => {
      const param = typeof request.input === 'string' ? 'input' : `input[${index}]`;
      if (typeof input === 'string') {
        if (input.length === 0) throw new InvalidRequestError('input must not contain empty strings.', { param });
        return input;
      }
      return this.checkedTokens(loaded.model, input, param);
    });
    const lease = await slot.acquireEmbedding(context.signal);
    try {
      let promptTokens = 0;
      const data = [];
      for (const [index, input] of inputs.entries()) {
        const length = lease.embedding.calculateInputLength(input);
        if (length >= loaded.contextSize) {
          throw new InvalidRequestError(`input[${index}] is ${length} tokens; model '${request.model}' embeds at most ${loaded.contextSize - 1}.`, { param: typeof request.input === 'string' ? 'input' : `input[${index}]`, code: 'context_length_exceeded' });
        }
        if (context.signal.aborted) throw context.signal.reason;
        promptTokens += length;
        const vector = (await lease.embedding.getEmbeddingFor(input)).vector;
        // Unit length, as OpenAI's embeddings are (cosine similarity is then a dot product).
        let norm = 0;
        for (const value of vector) norm += value * value;
        norm = Math.sqrt(norm) || 1;
        const normalized = Float32Array.from(vector, (value) => value / norm);
        data.push({
          object: 'embedding' as const,
          index,
          embedding: request.encoding_format === 'base64' ? Buffer.from(normalized.buffer, normalized.byteOffset, normalized.byteLength).toString('base64') : Array.from(normalized),
        });
      }
      return { object: 'list', data, model: request.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
    } finally {
      lease.release();
    }
  }

  async listModels(): Promise<ProviderModel[] | undefined> {
    return undefined;
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      const llama = await loadLlama(this.settings, this.context.logger);
      return { status: 'OK', message: `llama.cpp ${llama.gpu === false ? 'CPU' : llama.gpu} backend` };
    } catch (error) {
      return { status: 'Error', message: `llama.cpp binding failed to load: ${(error as Error).message}` };
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.slots.values()].map((slot) => slot.unload()));
  }

  private slot(id: string): ModelSlot {
    const slot = this.slots.get(id);
    if (!slot) throw new NotFoundError('model', id, `Model '${id}' is not registered with ${this.context.providerId}: add it to the distribution's registered_resources.models.`, { param: 'model', code: 'model_not_found' });
    return slot;
  }

  /** A grammar for a JSON schema, compiled once per distinct schema. */
  private async grammarFor(schema: unknown, param: string): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = loadLlama(this.settings, this.context.logger).then((llama) => llama.createGrammarForJsonSchema(schema as never));
      grammar.catch(() => this.grammars.delete(key));
      if (this.grammars.size >= GRAMMAR_CACHE_SIZE) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, grammar);
    }
    try {
      return await grammar;
    } catch (error) {
      throw new InvalidRequestError(`This JSON schema cannot be enforced by grammar: ${(error as Error).message}`, { param });
    }
  }

  private checkedTokens(model: LlamaModel, tokens: readonly number[], param: string): Token[] {
    const size = vocabularySize(model);
    tokens.forEach((token, index) => {
      if (!Number.isInteger(token) || token < 0 || token >= size) throw new InvalidRequestError(`token ${token} is not in this model's vocabulary of ${size} tokens.`, { param: `${param}[${index}]` });
    });
    return tokens as Token[];
  }

  private contextLimitError(limit: number, promptTokens: number, maxTokens: number | null, param: string): InvalidRequestError {
    const requested = maxTokens === null ? `${promptTokens} in the prompt` : `${promptTokens + maxTokens} tokens (${promptTokens} in the prompt, ${maxTokens} for the completion)`;
    return new InvalidRequestError(`This model's context holds ${limit} tokens; the request needs ${requested}. Shorten the prompt or lower ${param}.`, {
      param: maxTokens === null ? 'messages' : param,
      code: 'context_length_exceeded',
    });
  }

  private async prepareChat(request: ChatCompletionRequest): Promise<PreparedChat> {
    rejectUnsupported(request);
    const n = request.n ?? 1;
    if (n > this.settings.parallel_sequences) {
      throw new InvalidRequestError(`n is at most ${this.settings.parallel_sequences} for ${this.context.providerId} (its parallel_sequences: choices are generated side by side).`, { param: 'n' });
    }
    const slot = this.slot(request.model);
    const history = chatHistoryFor(request.messages);
    const plan = toolPlanFor(request);
    if (plan.functions) {
      for (const [index, tool] of (request.tools ?? []).entries()) {
        if (tool.function.parameters && plan.functions[tool.function.name]) await this.grammarFor(tool.function.parameters, `tools[${index}].function.parameters`);
      }
    }
    let grammar: LlamaGrammar | undefined;
    const format = request.response_format;
    if (format && format.type !== 'text') {
      if (plan.functions) throw new InvalidRequestError('response_format json_schema/json_object cannot be combined with tool calls here; set tool_choice to none or drop response_format.', { param: 'response_format' });
      if (format.type === 'json_schema') {
        grammar = format.json_schema.schema
          ? await this.grammarFor(format.json_schema.schema, 'response_format.json_schema.schema')
          : await loadLlama(this.settings, this.context.logger).then((llama) => llama.getGrammarFor('json'));
      } else {
        grammar = await loadLlama(this.settings, this.context.logger).then((llama) => llama.getGrammarFor('json'));
      }
    }
    const loaded = await slot.load();
    const sampling = samplingFor(request, loaded.model);
    const chatWrapper = plan.force ? new ForcedFunctionCallChatWrapper(loaded.chatWrapper!) : loaded.chatWrapper!;
    const promptTokens = chatWrapper.generateContextState({ chatHistory: history, ...(plan.functions ? { availableFunctions: plan.functions, documentFunctionParams: true } : {}) }).contextText.tokenize(loaded.model.tokenizer).length;
    const requested = request.max_completion_tokens ?? request.max_tokens ?? null;
    const maxParam = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    if (promptTokens >= loaded.contextSize) throw this.contextLimitError(loaded.contextSize, promptTokens, null, maxParam);
    if (requested !== null && promptTokens + requested > loaded.contextSize) throw this.contextLimitError(loaded.contextSize, promptTokens, requested, maxParam);
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
    const callIds: string[] = [];
    const argumentsSeen: string[] = [];
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
            onFunctionCallParamsChunk: (chunk) => {
              if (callIds[chunk.callIndex] === undefined) {
                callIds[chunk.callIndex] = newId('call');
                argumentsSeen[chunk.callIndex] = '';
                callbacks.onToolCallStart?.(chunk.callIndex, callIds[chunk.callIndex]!, chunk.functionName);
              }
              if (chunk.paramsChunk) {
                argumentsSeen[chunk.callIndex] += chunk.paramsChunk;
                callbacks.onToolCallArguments?.(chunk.callIndex, chunk.paramsChunk);
              }
            },
          })
        : await chat.generateResponse(prepared.history, { ...common, ...(prepared.grammar ? { grammar: prepared.grammar } : {}) });
      const toolCalls: ChatToolCall[] = (response.functionCalls ?? []).map((call, callIndex) => {
        const id = callIds[callIndex] ?? newId('call');
        const args = JSON.stringify(call.params ?? {});
        // A function without parameters streams no arguments: send the `{}` a client will parse.
        if (callbacks.onToolCallStart && callIds[callIndex] === undefined) callbacks.onToolCallStart(callIndex, id, call.functionName);
        if (callbacks.onToolCallArguments && !argumentsSeen[callIndex]?.trim()) callbacks.onToolCallArguments(callIndex, args);
        return { id, type: 'function', function: { name: call.functionName, arguments: args } };
      });
      return {
        text: response.response,
        reasoning,
        toolCalls,
        finishReason: finishReasonOf(response.metadata.stopReason, toolCalls.length > 0),
        completionTokens: sampledSince(sequence, before),
      };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }

  private async prepareCompletion(request: CompletionRequest): Promise<PreparedCompletion> {
    rejectUnsupported(request);
    const slot = this.slot(request.model);
    const loaded = await slot.load();
    const model = loaded.model;
    const prompt = request.prompt;
    const prompts: (string | number[])[] =
      typeof prompt === 'string' ? [prompt] : prompt.length > 0 && typeof prompt[0] === 'number' ? [prompt as number[]] : (prompt as (string | number[])[]);
    if (prompts.length === 0) throw new InvalidRequestError('prompt must not be empty.', { param: 'prompt' });
    const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null;
    const n = request.n ?? 1;
    const requested = request.max_tokens ?? 16;
    const jobs: CompletionJob[] = [];
    let promptTokens = 0;
    prompts.forEach((item, promptIndex) => {
      const param = typeof prompt === 'string' || typeof prompt[0] === 'number' ? 'prompt' : `prompt[${promptIndex}]`;
      const tokens = typeof item === 'string' ? model.tokenize(item, false, bos ? 'trimLeadingSpace' : undefined) : this.checkedTokens(model, item, param);
      const count = tokens.length + (bos ? 1 : 0);
      if (count + requested > loaded.contextSize) throw this.contextLimitError(loaded.contextSize, count, requested, 'max_tokens');
      promptTokens += count;
      const echo = typeof item === 'string' ? item : model.detokenize(tokens);
      for (let choice = 0; choice < n; choice++) jobs.push({ tokens, echo, seedOffset: choice });
    });
    return { slot, loaded, jobs, sampling: samplingFor(request, model), maxTokens: requested, promptTokens };
  }

  /**
   * Runs every (prompt, choice) job of a completion request on up to `parallel_sequences`
   * sequences at once; returns the tokens sampled in all.
   */
  private async runCompletionJobs(
    prepared: PreparedCompletion,
    signal: AbortSignal,
    onText: (job: number, text: string) => void,
    onFinish: (job: number, reason: FinishReason) => void,
  ): Promise<number> {
    const lease = await prepared.slot.acquireSequences(Math.min(prepared.jobs.length, this.settings.parallel_sequences), signal);
    let next = 0;
    let sampled = 0;
    const { sampling } = prepared;
    try {
      await Promise.all(
        lease.sequences.map(async (sequence) => {
          const completion = new LlamaCompletion({ contextSequence: sequence });
          try {
            while (next < prepared.jobs.length) {
              const jobIndex = next++;
              const job = prepared.jobs[jobIndex]!;
              const before = sequence.tokenMeter.getState();
              const result = await completion.generateCompletionWithMeta(job.tokens, {
                signal,
                maxTokens: prepared.maxTokens,
                temperature: sampling.temperature,
                topP: sampling.topP,
                ...(sampling.seed !== undefined ? { seed: sampling.seed + job.seedOffset } : {}),
                ...(sampling.customStopTriggers ? { customStopTriggers: sampling.customStopTriggers } : {}),
                ...(sampling.tokenBias ? { tokenBias: sampling.tokenBias } : {}),
                repeatPenalty: sampling.repeatPenalty,
                onTextChunk: (text) => onText(jobIndex, text),
              });
              sampled += sampledSince(sequence, before);
              onFinish(jobIndex, finishReasonOf(result.metadata.stopReason, false));
            }
          } finally {
            completion.dispose({ disposeSequence: false });
          }
        }),
      );
      return sampled;
    } finally {
      lease.release();
    }
  }
}

interface CompletionJob {
  tokens: Token[];
  echo: string;
  seedOffset: number;
}

interface PreparedCompletion {
  slot: ModelSlot;
  loaded: LoadedModel;
  jobs: CompletionJob[];
  sampling: Sampling;
  maxTokens: number;
  promptTokens: number;
}
