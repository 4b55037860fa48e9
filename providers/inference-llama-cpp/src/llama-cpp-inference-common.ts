import { randomBytes } from 'node:crypto';
import { type ChatCompletionChoice, type CompletionUsage, InvalidRequestError, type ProviderContext } from '@cria/api';
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { LlamaCppSettings } from './llama-cpp-config.js';
import type { ModelSlot } from './llama-cpp-models.js';
import { vocabularySize } from './llama-cpp-request.js';

export type FinishReason = ChatCompletionChoice['finish_reason'];

/** What chat, completions and embeddings share: the provider's settings and its registered models. */
export interface LlamaCppRuntime {
  settings: LlamaCppSettings;
  context: Pick<ProviderContext, 'providerId' | 'logger'>;
  /** A registered model's slot; NotFoundError otherwise. */
  slot(id: string): ModelSlot;
}

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function usage(promptTokens: number, completionTokens: number): CompletionUsage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function finishReasonOf(stopReason: string, hasToolCalls: boolean): FinishReason {
  if (hasToolCalls) return 'tool_calls';
  return stopReason === 'maxTokens' ? 'length' : 'stop';
}

/** Sampled tokens of a sequence since `before` (node-llama-cpp meters one output per sampling step). */
export function sampledSince(sequence: LlamaContextSequence, before: { usedOutputTokens: number }): number {
  return sequence.tokenMeter.usedOutputTokens - before.usedOutputTokens;
}

/** Token ids from a request, checked to be in the model's vocabulary. */
export function checkedTokens(model: LlamaModel, tokens: readonly number[], param: string): Token[] {
  const size = vocabularySize(model);
  tokens.forEach((token, index) => {
    if (!Number.isInteger(token) || token < 0 || token >= size) throw new InvalidRequestError(`token ${token} is not in this model's vocabulary of ${size} tokens.`, { param: `${param}[${index}]` });
  });
  return tokens as Token[];
}

export function contextLimitError(limit: number, promptTokens: number, maxTokens: number | null, param: string): InvalidRequestError {
  const requested = maxTokens === null ? `${promptTokens} in the prompt` : `${promptTokens + maxTokens} tokens (${promptTokens} in the prompt, ${maxTokens} for the completion)`;
  return new InvalidRequestError(`This model's context holds ${limit} tokens; the request needs ${requested}. Shorten the prompt or lower ${param}.`, {
    param: maxTokens === null ? 'messages' : param,
    code: 'context_length_exceeded',
  });
}
