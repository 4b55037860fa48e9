import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '@cria/api';
import { INFERENCE_RECORDINGS_DIR, loadRecordings, unwrapRecorded } from '@cria/testing';
import { ChatCompletionAccumulator } from './chat-completion-accumulator.js';

function chunk(choices: ChatCompletionChunk['choices'], extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 7, model: 'p/m', choices, ...extra };
}

describe('chat completion accumulator', () => {
  it('folds content, tool call deltas, finish reasons, logprobs and usage of several choices', () => {
    const accumulator = new ChatCompletionAccumulator();
    for (const event of [
      chunk([{ index: 0, delta: { role: 'assistant', content: '' } }, { index: 1, delta: { role: 'assistant', content: null } }]),
      chunk([{ index: 0, delta: { content: 'Hel' }, logprobs: { content: [{ token: 'Hel', logprob: -1 }] } }]),
      chunk([{ index: 0, delta: { content: 'lo' }, logprobs: { content: [{ token: 'lo', logprob: -2 }] } }]),
      chunk([{ index: 1, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] } }]),
      chunk([{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }]),
      chunk([{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] } }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }, { index: 1, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
    ]) accumulator.add(event);
    expect(accumulator.completion()).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 7,
      model: 'p/m',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop', logprobs: { content: [{ token: 'Hel', logprob: -1 }, { token: 'lo', logprob: -2 }] } },
        { index: 1, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, finish_reason: 'tool_calls', logprobs: null },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('folds real streamed tool calls (Ollama) into calls whose arguments parse', () => {
    const recordings = loadRecordings(INFERENCE_RECORDINGS_DIR).filter(
      (recording) => recording.response.is_streaming && recording.request.body?.tools && /"tool_calls":\s*\[/.test(JSON.stringify(recording.response.body)),
    );
    expect(recordings.length).toBeGreaterThan(0);
    for (const recording of recordings) {
      const accumulator = new ChatCompletionAccumulator();
      for (const event of unwrapRecorded(recording.response.body) as ChatCompletionChunk[]) accumulator.add(event);
      const message = accumulator.completion().choices[0]!.message;
      expect(message.tool_calls!.length, join(recording.file)).toBeGreaterThan(0);
      for (const call of message.tool_calls!) expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    }
  });
});
