import { type ChatMessage, type ChatCompletionRequest, type ChatTool, type CompletionRequest, InvalidRequestError, UnsupportedError } from '@cria/api';
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse, GbnfJsonSchema, LLamaContextualRepeatPenalty, LlamaModel } from 'node-llama-cpp';
import { TokenBias } from 'node-llama-cpp';

/** The number of tokens in the model's vocabulary, from its GGUF metadata. */
export function vocabularySize(model: LlamaModel): number {
  const metadata = model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: readonly unknown[] } } };
  return metadata.tokenizer?.ggml?.tokens?.length ?? 0;
}

/** Sampling settings common to chat and text completions, in node-llama-cpp's terms. */
export interface Sampling {
  temperature: number;
  topP: number;
  seed: number | undefined;
  customStopTriggers: string[] | undefined;
  repeatPenalty: false | LLamaContextualRepeatPenalty;
  tokenBias: TokenBias | undefined;
}

type SamplingRequest = Pick<ChatCompletionRequest, 'temperature' | 'top_p' | 'seed' | 'stop' | 'frequency_penalty' | 'presence_penalty' | 'logit_bias'>;

/** OpenAI's sampling parameters as node-llama-cpp takes them (OpenAI's defaults: temperature 1, top_p 1). */
export function samplingFor(request: SamplingRequest, model: LlamaModel): Sampling {
  const stop = request.stop == null ? [] : Array.isArray(request.stop) ? request.stop : [request.stop];
  if (stop.length > 4) throw new InvalidRequestError('stop takes at most 4 sequences.', { param: 'stop' });
  const frequency = request.frequency_penalty ?? 0;
  const presence = request.presence_penalty ?? 0;
  let tokenBias: TokenBias | undefined;
  if (request.logit_bias && Object.keys(request.logit_bias).length) {
    tokenBias = new TokenBias(model.tokenizer);
    for (const [key, bias] of Object.entries(request.logit_bias)) {
      const token = Number(key);
      if (!Number.isInteger(token) || token < 0 || token >= vocabularySize(model)) {
        throw new InvalidRequestError(`logit_bias names token ${key}, which this model's vocabulary (${vocabularySize(model)} tokens) does not have.`, { param: 'logit_bias' });
      }
      tokenBias.set(token as never, bias <= -100 ? 'never' : { logit: bias });
    }
  }
  return {
    temperature: request.temperature ?? 1,
    topP: request.top_p ?? 1,
    seed: request.seed ?? undefined,
    customStopTriggers: stop.filter((sequence) => sequence.length > 0).length ? stop.filter((sequence) => sequence.length > 0) : undefined,
    // OpenAI's penalties are additive on logits, as node-llama-cpp's; its multiplicative one stays off.
    repeatPenalty: frequency || presence ? { penalty: 1, frequencyPenalty: frequency, presencePenalty: presence, lastTokens: 256 } : false,
    tokenBias,
  };
}

/** Rejects what this provider cannot do for either endpoint. */
export function rejectUnsupported(request: ChatCompletionRequest | CompletionRequest): void {
  if ('logprobs' in request && request.logprobs) {
    throw new UnsupportedError('inline::llama-cpp does not return logprobs.', { param: 'logprobs' });
  }
  if ('functions' in request && request.functions) throw new UnsupportedError('functions is deprecated and not supported here: use tools.', { param: 'functions' });
  if ('suffix' in request && request.suffix) throw new UnsupportedError('inline::llama-cpp does not support suffix (fill-in-the-middle).', { param: 'suffix' });
  if ('best_of' in request && request.best_of != null && request.best_of !== (request.n ?? 1)) {
    throw new UnsupportedError('inline::llama-cpp does not support best_of; use n.', { param: 'best_of' });
  }
}

function textOf(content: unknown, param: string, allowRefusal = false): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new InvalidRequestError('content must be a string or an array of content parts.', { param });
  return content
    .map((part: { type?: string; text?: string; refusal?: string }, index) => {
      if (part.type === 'text') return part.text ?? '';
      if (allowRefusal && part.type === 'refusal') return part.refusal ?? '';
      throw new UnsupportedError(`inline::llama-cpp serves text-only models: content parts of type '${part.type}' are not supported.`, { param: `${param}[${index}].type` });
    })
    .join('');
}

function parseArguments(text: string, param: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : {};
  } catch {
    throw new InvalidRequestError('tool call arguments are not valid JSON.', { param });
  }
}

/** A tool result as the chat template shows it: JSON when it is JSON, the text otherwise. */
function toolResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * OpenAI messages as node-llama-cpp's chat history, ending with the model response to write.
 * An assistant message's tool calls carry the results of the tool messages that answer them;
 * when the conversation ends with tool results, the model continues that response.
 */
export function chatHistoryFor(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const answered = new Set<number>();
  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text: textOf(message.content, `${param}.content`) });
        return;
      case 'user':
        history.push({ type: 'user', text: textOf(message.content, `${param}.content`) });
        return;
      case 'assistant': {
        const response: ChatModelResponse['response'] = [];
        const text = textOf(message.content, `${param}.content`, true);
        if (text) response.push(text);
        (message.tool_calls ?? []).forEach((call, callIndex) => {
          const resultIndex = messages.findIndex((candidate, at) => at > index && candidate.role === 'tool' && candidate.tool_call_id === call.id);
          if (resultIndex < 0) throw new InvalidRequestError(`tool call '${call.id}' has no tool message answering it.`, { param: `${param}.tool_calls[${callIndex}].id` });
          answered.add(resultIndex);
          const result = messages[resultIndex] as Extract<ChatMessage, { role: 'tool' }>;
          const functionCall: ChatModelFunctionCall = {
            type: 'functionCall',
            name: call.function.name,
            params: parseArguments(call.function.arguments, `${param}.tool_calls[${callIndex}].function.arguments`),
            result: toolResult(textOf(result.content, `messages[${resultIndex}].content`)),
            startsNewChunk: callIndex === 0,
          };
          response.push(functionCall);
        });
        history.push({ type: 'model', response });
        return;
      }
      case 'tool':
        if (!answered.has(index)) throw new InvalidRequestError(`tool message answers '${message.tool_call_id}', which no earlier assistant message called.`, { param: `${param}.tool_call_id` });
        return;
      case 'function':
        throw new UnsupportedError('function messages are deprecated and not supported here: use tools and tool messages.', { param: `${param}.role` });
    }
  });
  const last = history.at(-1);
  // A conversation that ends with tool results continues the model's response; any other gets a new one.
  const continuesToolCalls = last?.type === 'model' && last.response.some((item) => typeof item === 'object' && item.type === 'functionCall') && messages.at(-1)?.role === 'tool';
  if (!continuesToolCalls) history.push({ type: 'model', response: [] });
  return history;
}

/** What the request's tools and tool_choice ask of the model. */
export interface ToolPlan {
  /** The functions offered to the model (none: no function calling). */
  functions: ChatModelFunctions | undefined;
  /** Whether the model must call one (`required`, or a named function). */
  force: boolean;
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Checks tools and tool_choice and turns them into node-llama-cpp functions. */
export function toolPlanFor(request: ChatCompletionRequest): ToolPlan {
  const tools: ChatTool[] = request.tools ?? [];
  const choice = request.tool_choice ?? (tools.length ? 'auto' : 'none');
  if (!tools.length) {
    if (choice !== 'none' && request.tool_choice !== undefined) throw new InvalidRequestError('tool_choice needs tools.', { param: 'tool_choice' });
    return { functions: undefined, force: false };
  }
  const functions: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  tools.forEach((tool, index) => {
    if (tool.type !== 'function') throw new UnsupportedError(`tools of type '${tool.type}' are not supported here.`, { param: `tools[${index}].type` });
    const name = tool.function.name;
    if (!FUNCTION_NAME.test(name)) throw new InvalidRequestError(`'${name}' is not a valid function name (a-z, A-Z, 0-9, _ and -, at most 64).`, { param: `tools[${index}].function.name` });
    if (functions[name]) throw new InvalidRequestError(`two tools are named '${name}'.`, { param: `tools[${index}].function.name` });
    functions[name] = {
      ...(tool.function.description ? { description: tool.function.description } : {}),
      ...(tool.function.parameters && Object.keys(tool.function.parameters).length ? { params: tool.function.parameters as GbnfJsonSchema } : {}),
    };
  });
  if (choice === 'none') return { functions: undefined, force: false };
  if (choice === 'auto') return { functions, force: false };
  if (choice === 'required') return { functions, force: true };
  if (typeof choice === 'object' && choice.type === 'function') {
    const named = functions[choice.function.name];
    if (!named) throw new InvalidRequestError(`tool_choice names '${choice.function.name}', which is not among the tools.`, { param: 'tool_choice.function.name' });
    return { functions: { [choice.function.name]: named }, force: true };
  }
  if (typeof choice === 'object' && choice.type === 'allowed_tools') {
    const allowed = new Set(choice.allowed_tools.tools.map((tool) => (tool as { function?: { name?: string } }).function?.name ?? (tool as { name?: string }).name));
    const subset = Object.fromEntries(Object.entries(functions).filter(([name]) => allowed.has(name)));
    if (!Object.keys(subset).length) throw new InvalidRequestError('tool_choice.allowed_tools names none of the tools.', { param: 'tool_choice.allowed_tools.tools' });
    return { functions: subset, force: choice.allowed_tools.mode === 'required' };
  }
  throw new InvalidRequestError('tool_choice is not one of none, auto, required or a function.', { param: 'tool_choice' });
}
