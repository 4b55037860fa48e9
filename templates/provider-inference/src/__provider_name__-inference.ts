import { randomUUID } from 'node:crypto';
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatMessage,
  type Completion,
  type CompletionRequest,
  type CompletionUsage,
  type EmbeddingsResponse,
  type HealthResult,
  type InferenceProvider,
  InvalidRequestError,
  type ProviderModel,
  type RequestContext,
  UnsupportedError,
} from '@cria/api';
import type { __ProviderName__Settings } from './__provider_name__-config.js';

/** The one model this provider lists; clients name it `<provider_id>/echo`. */
export const ECHO_MODEL_ID = 'echo';

/** What the echo says to one request: the reply's tokens (cut at the request's limit), why it ended, and the usage. */
interface EchoReply {
  tokens: string[];
  finishReason: 'stop' | 'length';
  usage: CompletionUsage;
}

/**
 * Words with the spaces around them stand in for a model's tokens, so the echo honours
 * `max_tokens` and reports usage the way a model does. Joined, they give the text back.
 */
function tokensOf(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}

/** A message's text: its content string, or its text parts joined. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function echo(reply: string, prompt: string, maxTokens: number | null | undefined): EchoReply {
  const all = tokensOf(reply);
  const tokens = maxTokens !== null && maxTokens !== undefined && all.length > maxTokens ? all.slice(0, maxTokens) : all;
  const promptTokens = tokensOf(prompt).length;
  return {
    tokens,
    finishReason: tokens.length < all.length ? 'length' : 'stop',
    usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length },
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * An inference provider that answers a chat with the text of the last user message, and a text
 * completion with its prompt. It stands where a model or a remote service would: replace `reply`
 * and `completionReply` with calls to yours, and keep the shapes of what they return.
 *
 * Requests arrive with `model` already set to the provider's own model id (`echo`); Cria names the
 * model as clients do in what goes back, and keeps chat completions in the distribution's store.
 */
export class __ProviderName__Inference implements InferenceProvider {
  constructor(private readonly settings: __ProviderName__Settings) {}

  async listModels(): Promise<ProviderModel[]> {
    return [{ providerModelId: ECHO_MODEL_ID, modelType: 'llm' }];
  }

  async health(): Promise<HealthResult> {
    return { status: 'OK' };
  }

  async chatCompletion(request: ChatCompletionRequest): Promise<ChatCompletion> {
    const reply = this.reply(request);
    return {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: nowSeconds(),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.tokens.join('') }, finish_reason: reply.finishReason }],
      usage: reply.usage,
    };
  }

  async streamChatCompletion(request: ChatCompletionRequest, context: RequestContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    // Worked out before the stream starts, so a bad request is a 400 rather than a broken stream.
    const reply = this.reply(request);
    return this.chatChunks(request, reply, context.signal);
  }

  async completion(request: CompletionRequest): Promise<Completion> {
    const reply = this.completionReply(request);
    return {
      id: `cmpl-${randomUUID()}`,
      object: 'text_completion',
      created: nowSeconds(),
      model: request.model,
      choices: [{ index: 0, text: reply.tokens.join(''), finish_reason: reply.finishReason }],
      usage: reply.usage,
    };
  }

  async streamCompletion(request: CompletionRequest, context: RequestContext): Promise<AsyncIterable<Completion>> {
    const reply = this.completionReply(request);
    return this.completionChunks(request, reply, context.signal);
  }

  async embeddings(): Promise<EmbeddingsResponse> {
    // Cria routes only embedding models here, and this provider lists none; say so if one is registered anyway.
    throw new UnsupportedError('__provider_type__ has no embedding models.', { param: 'model' });
  }

  /** The chat's answer: the last user message, after the configured prefix. */
  private reply(request: ChatCompletionRequest): EchoReply {
    const lastUser = request.messages.findLast((message) => message.role === 'user');
    if (!lastUser) throw new InvalidRequestError('__provider_type__ answers the last user message, and there is none.', { param: 'messages' });
    const prompt = request.messages.map(messageText).join('\n');
    return echo(`${this.settings.prefix}${messageText(lastUser)}`, prompt, request.max_completion_tokens ?? request.max_tokens);
  }

  /** A text completion's answer: its prompt, after the configured prefix. */
  private completionReply(request: CompletionRequest): EchoReply {
    if (typeof request.prompt !== 'string') throw new UnsupportedError('__provider_type__ completes one text prompt; token ids and lists of prompts are not supported.', { param: 'prompt' });
    return echo(`${this.settings.prefix}${request.prompt}`, request.prompt, request.max_tokens);
  }

  /** OpenAI's chunk sequence: the role, one chunk per token, the finish reason, then the usage when asked for. */
  private async *chatChunks(request: ChatCompletionRequest, reply: EchoReply, signal: AbortSignal): AsyncIterable<ChatCompletionChunk> {
    const base = { id: `chatcmpl-${randomUUID()}`, object: 'chat.completion.chunk', created: nowSeconds(), model: request.model } as const;
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    for (const token of reply.tokens) {
      // The client went away: stop producing (a real provider also cancels its upstream call here).
      if (signal.aborted) return;
      yield { ...base, choices: [{ index: 0, delta: { content: token }, finish_reason: null }] };
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: reply.finishReason }] };
    if (request.stream_options?.include_usage) yield { ...base, choices: [], usage: reply.usage };
  }

  private async *completionChunks(request: CompletionRequest, reply: EchoReply, signal: AbortSignal): AsyncIterable<Completion> {
    const base = { id: `cmpl-${randomUUID()}`, object: 'text_completion', created: nowSeconds(), model: request.model } as const;
    for (const token of reply.tokens) {
      if (signal.aborted) return;
      yield { ...base, choices: [{ index: 0, text: token, finish_reason: null }] };
    }
    yield { ...base, choices: [{ index: 0, text: '', finish_reason: reply.finishReason }] };
    if (request.stream_options?.include_usage) yield { ...base, choices: [], usage: reply.usage };
  }
}
