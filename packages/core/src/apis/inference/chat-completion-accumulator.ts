import type { ChatCompletion, ChatCompletionChunk, ChatCompletionChoice, ChatToolCall, CompletionUsage, TokenLogprob } from '@cria/api';

interface ChoiceState {
  content: string;
  hasContent: boolean;
  refusal: string | null;
  reasoning: string | null;
  toolCalls: ChatToolCall[];
  finishReason: ChatCompletionChoice['finish_reason'] | null;
  logprobs: TokenLogprob[] | null;
}

/** Folds the chunks of a streamed chat completion into the completion a non-streamed call returns. */
export class ChatCompletionAccumulator {
  private id = '';
  private created = 0;
  private model = '';
  private systemFingerprint: string | null = null;
  private usage: CompletionUsage | undefined;
  private readonly choices = new Map<number, ChoiceState>();

  add(chunk: ChatCompletionChunk): void {
    this.id ||= chunk.id;
    this.created ||= chunk.created;
    this.model ||= chunk.model;
    this.systemFingerprint ??= chunk.system_fingerprint ?? null;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      let state = this.choices.get(choice.index);
      if (!state) {
        state = { content: '', hasContent: false, refusal: null, reasoning: null, toolCalls: [], finishReason: null, logprobs: null };
        this.choices.set(choice.index, state);
      }
      const delta = choice.delta;
      if (typeof delta.content === 'string') {
        state.content += delta.content;
        state.hasContent = true;
      }
      if (typeof delta.refusal === 'string') state.refusal = (state.refusal ?? '') + delta.refusal;
      if (typeof delta.reasoning_content === 'string') state.reasoning = (state.reasoning ?? '') + delta.reasoning_content;
      for (const call of delta.tool_calls ?? []) {
        const existing = state.toolCalls[call.index];
        if (!existing) {
          state.toolCalls[call.index] = { id: call.id ?? '', type: 'function', function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' } };
        } else {
          if (call.id) existing.id = call.id;
          if (call.function?.name) existing.function.name += call.function.name;
          if (call.function?.arguments) existing.function.arguments += call.function.arguments;
        }
      }
      if (choice.logprobs?.content) state.logprobs = [...(state.logprobs ?? []), ...choice.logprobs.content];
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  completion(): ChatCompletion {
    const choices: ChatCompletionChoice[] = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, state]) => {
        const toolCalls = state.toolCalls.filter(Boolean);
        return {
          index,
          message: {
            role: 'assistant',
            content: state.hasContent ? state.content : null,
            ...(state.refusal !== null ? { refusal: state.refusal } : {}),
            ...(state.reasoning !== null ? { reasoning_content: state.reasoning } : {}),
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: state.finishReason ?? 'stop',
          logprobs: state.logprobs ? { content: state.logprobs } : null,
        };
      });
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
      ...(this.usage ? { usage: this.usage } : {}),
      ...(this.systemFingerprint ? { system_fingerprint: this.systemFingerprint } : {}),
    };
  }
}
