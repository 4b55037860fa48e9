import { readFileSync } from 'node:fs';
import { createLogger } from '@cria/core';
import type { ServerRequest } from '@cria/server';
import { describe, expect, it } from 'vitest';
import { conformanceChecker } from './conformance.js';
import { conformanceHooks } from './conformance-hooks.js';
import { assertOpenResponsesEvents, assertOpenResponsesObject, openResponsesStreamProblems } from './conformance-open-responses.js';

/**
 * A response object shaped to satisfy OpenAI's `Response`, Llama Stack 0.7.1's
 * `OpenAIResponseObject` and Open Responses' `ResponseResource` at once (docs/responses-shape.md).
 */
function responseObject(status: string, output: unknown[] = [], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const done = status !== 'in_progress' && status !== 'queued';
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1741476777,
    completed_at: done ? 1741476778 : null,
    status,
    incomplete_details: null,
    model: 'llama3.2:3b',
    previous_response_id: null,
    instructions: null,
    output,
    error: null,
    tools: [],
    tool_choice: 'auto',
    truncation: 'disabled',
    parallel_tool_calls: true,
    text: { format: { type: 'text' } },
    top_p: 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    top_logprobs: 0,
    temperature: 1,
    reasoning: null,
    usage: done ? { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5 } : null,
    max_output_tokens: null,
    max_tool_calls: null,
    store: true,
    background: false,
    service_tier: 'default',
    metadata: {},
    safety_identifier: null,
    prompt_cache_key: null,
    ...overrides,
  };
}

const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
const message = (status: string, text?: string) => ({ type: 'message', id: 'msg_1', status, role: 'assistant', content: text === undefined ? [] : [{ ...part, text }] });

/** A text reply streamed as OpenAI streams it, each event carrying what all three specs require. */
function textStream(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: responseObject('in_progress') },
    { type: 'response.in_progress', response: responseObject('in_progress') },
    { type: 'response.output_item.added', response_id: 'resp_1', output_index: 0, item: message('in_progress') },
    { type: 'response.content_part.added', response_id: 'resp_1', item_id: 'msg_1', output_index: 0, content_index: 0, part },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [] },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: '!', logprobs: [] },
    { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hi!', logprobs: [] },
    { type: 'response.content_part.done', response_id: 'resp_1', item_id: 'msg_1', output_index: 0, content_index: 0, part: { ...part, text: 'Hi!' } },
    { type: 'response.output_item.done', response_id: 'resp_1', output_index: 0, item: message('completed', 'Hi!') },
    { type: 'response.completed', response: responseObject('completed', [message('completed', 'Hi!')]) },
  ];
  return events.map((event, index) => ({ ...event, sequence_number: index }));
}

const errorOf = (run: () => void): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a failure');
};

describe('Open Responses objects', () => {
  it('passes a response object shaped for all three specs, and it passes OpenAI and Llama Stack too', () => {
    for (const response of [responseObject('completed', [message('completed', 'Hi!')]), responseObject('in_progress')]) {
      expect(() => assertOpenResponsesObject(response)).not.toThrow();
      const verdicts = conformanceChecker().checkAll('GET', '/v1/responses/{response_id}', 'json', response);
      expect(verdicts.map((verdict) => [verdict.spec, verdict.schema, verdict.problems])).toEqual([
        ['openai', 'Response', []],
        ['llama-stack', 'OpenAIResponseObject', []],
        ['open-responses', 'ResponseResource', []],
      ]);
    }
  });

  it("fails the Open Responses spec's own example, which leaves out fields its schema requires", () => {
    // ResponseResource's `example`, as published in the Open Responses spec (kept beside the fixtures: the spec itself is not in the repository).
    const example = JSON.parse(readFileSync(new URL('../fixtures/conformance/open-responses-example.json', import.meta.url), 'utf8')) as unknown;
    const message = errorOf(() => assertOpenResponsesObject(example));
    for (const field of ['incomplete_details', 'previous_response_id', 'top_logprobs', 'max_tool_calls', 'safety_identifier', 'prompt_cache_key', 'output/0/content/0/logprobs']) {
      expect(message).toContain(`/${field}: must have required property`);
    }
  });

  it('names the pointer and the message of what is wrong', () => {
    const { usage: _, ...withoutUsage } = responseObject('completed');
    expect(errorOf(() => assertOpenResponsesObject(withoutUsage))).toMatch(/^not an Open Responses response object \(1 problem\):\n {2}\/usage: must have required property 'usage' .*\[open-responses ResponseResource\]$/);
    expect(errorOf(() => assertOpenResponsesObject(responseObject('completed', [], { temperature: null })))).toContain('/temperature: must be number');
  });

  it('lets through output items, tools and annotations Open Responses does not standardise (a quirk), but not malformed standard ones', () => {
    const mcpCall = { type: 'mcp_call', id: 'mcp_1', arguments: '{}', name: 'echo', server_label: 'local', error: null, output: 'x' };
    const tool = { type: 'mcp', server_label: 'local', server_url: 'http://127.0.0.1/mcp' };
    expect(() => assertOpenResponsesObject(responseObject('completed', [mcpCall], { tools: [tool] }))).not.toThrow();
    expect(errorOf(() => assertOpenResponsesObject(responseObject('completed', [{ ...message('completed', 'Hi'), role: 'robot' }])))).toContain('/output/0/role: must be equal to one of the allowed values');
  });
});

describe('Open Responses event streams', () => {
  it('passes a well-formed stream, whose every event also passes OpenAI and Llama Stack', () => {
    const events = textStream();
    expect(() => assertOpenResponsesEvents(events)).not.toThrow();
    const failing = events.flatMap((event) => conformanceChecker().checkAll('POST', '/v1/responses', 'stream', event)).filter((verdict) => !verdict.conforms);
    expect(failing).toEqual([]);
  });

  it('checks the events Open Responses does not define against Llama Stack 0.7.1', () => {
    const events = textStream();
    events.splice(-1, 0, { type: 'response.mcp_call.in_progress', sequence_number: 0, item_id: 'msg_1', output_index: 0 });
    const inOrder: Record<string, unknown>[] = events.map((event, index) => ({ ...event, sequence_number: index }));
    expect(openResponsesStreamProblems(inOrder)).toEqual(['event 9 (response.mcp_call.in_progress): /output_index: output item 0 is already done']);
    const { item_id: _, ...withoutItem } = inOrder[9]!;
    inOrder[9] = withoutItem;
    expect(openResponsesStreamProblems(inOrder)).toContain("event 9 (response.mcp_call.in_progress): /item_id: must have required property 'item_id' {\"missingProperty\":\"item_id\"} [llama-stack OpenAIResponseObjectStreamResponseMcpCallInProgress]");
  });

  it('fails an event without sequence_number, naming the event', () => {
    const events = textStream();
    delete events[4]!.sequence_number;
    const message = errorOf(() => assertOpenResponsesEvents(events));
    expect(message).toContain("event 4 (response.output_text.delta): /sequence_number: must have required property 'sequence_number'");
    expect(message).toContain('event 4 (response.output_text.delta): /sequence_number: must be 4 (0 for the first event, then one more each), is undefined');
  });

  it('fails a wrong field type and an event type no spec defines', () => {
    const events = textStream();
    events[4] = { ...events[4], delta: 5 };
    events[5] = { ...events[5], type: 'response.output_text.deltas' };
    const problems = openResponsesStreamProblems(events);
    expect(problems).toContain('event 4 (response.output_text.delta): /delta: must be string {"type":"string"} [open-responses ResponseOutputTextDeltaStreamingEvent]');
    expect(problems).toContain('event 5 (response.output_text.deltas): /type: "response.output_text.deltas" is an event type neither Open Responses nor Llama Stack 0.7.1 defines');
  });

  it('fails an output_text.delta without item_id', () => {
    const events = textStream();
    delete events[4]!.item_id;
    expect(errorOf(() => assertOpenResponsesEvents(events))).toContain("event 4 (response.output_text.delta): /item_id: must have required property 'item_id'");
  });

  it('fails out-of-order sequence numbers', () => {
    const events = textStream();
    [events[4]!.sequence_number, events[5]!.sequence_number] = [5, 4];
    expect(openResponsesStreamProblems(events)).toEqual([
      'event 4 (response.output_text.delta): /sequence_number: must be 4 (0 for the first event, then one more each), is 5',
      'event 5 (response.output_text.delta): /sequence_number: must be 5 (0 for the first event, then one more each), is 4',
    ]);
  });

  it('fails a stream that does not start with response.created or ends without a terminal event', () => {
    expect(openResponsesStreamProblems(textStream().slice(0, -1))).toEqual(['event 8 (response.output_item.done): the stream ends without response.completed, response.incomplete, response.failed or error']);
    const events = textStream().slice(1).map((event, index) => ({ ...event, sequence_number: index }));
    expect(openResponsesStreamProblems(events)).toEqual(['event 0 (response.in_progress): the first event must be response.created']);
  });

  it('fails *.added and *.done that disagree on output_index, content_index or item_id', () => {
    const events = textStream();
    events[7] = { ...events[7], item_id: 'msg_2' };
    events[8] = { ...events[8], item: { ...message('completed', 'Hi!'), id: 'msg_2' } };
    expect(openResponsesStreamProblems(events)).toEqual([
      'event 7 (response.content_part.done): /item_id: "msg_2" is not the id of output item 0 ("msg_1")',
      'event 7 (response.content_part.done): /item_id: "msg_2" differs from its response.content_part.added ("msg_1")',
      'event 8 (response.output_item.done): /item/id: "msg_2" is not the id added at output_index 0 ("msg_1")',
    ]);
    const moved = textStream();
    moved[6] = { ...moved[6], output_index: 1 };
    moved[7] = { ...moved[7], content_index: 1 };
    expect(openResponsesStreamProblems(moved)).toEqual([
      'event 6 (response.output_text.done): /output_index: no response.output_item.added for output_index 1',
      'event 7 (response.content_part.done): /content_index: no response.content_part.added for output_index 0, content_index 1',
      'response.content_part.added for output_index 0, content_index 0 was never done',
    ]);
  });

  it('accepts an error event carrying both OpenAI’s flat fields and Open Responses’ error object', () => {
    const events = textStream().slice(0, 3);
    events.push({ type: 'error', sequence_number: 3, code: 'server_error', message: 'upstream failed', param: null, error: { type: 'server_error', code: 'server_error', message: 'upstream failed', param: null } });
    expect(() => assertOpenResponsesEvents(events)).not.toThrow();
    expect(events.flatMap((event) => conformanceChecker().checkAll('POST', '/v1/responses', 'stream', event)).filter((verdict) => !verdict.conforms)).toEqual([]);
  });
});

describe('the conformance hooks on Responses routes', () => {
  const request = (method: string, path: string) => ({ route: { method, path } }) as unknown as ServerRequest;

  async function streamThroughHooks(events: unknown[]): Promise<string[]> {
    const { hooks, log } = conformanceHooks(createLogger('test'));
    const result = { sse: (async function* () { yield* events; })(), done: true };
    await (hooks.onSend as (request: ServerRequest, result: unknown) => void)(request('POST', '/v1/responses'), result);
    for await (const _ of result.sse) {
      // drain, as the server does
    }
    return log.failures();
  }

  it('checks each event against all three specs and the whole stream against its rules', async () => {
    expect(await streamThroughHooks(textStream())).toEqual([]);
    const failures = await streamThroughHooks(textStream().slice(0, -1));
    expect(failures).toEqual(['POST /v1/responses (stream, open-responses stream invariants): event 8 (response.output_item.done): the stream ends without response.completed, response.incomplete, response.failed or error']);
    const withoutLogprobs = textStream().map(({ logprobs: _, ...event }) => event);
    expect((await streamThroughHooks(withoutLogprobs)).join('\n')).toMatch(/\(stream, openai ResponseTextDeltaEvent\): \/logprobs: must have required property[\s\S]*\(stream, open-responses ResponseOutputTextDeltaStreamingEvent\): \/logprobs/);
  });

  it('checks response objects against OpenAI, Llama Stack and Open Responses, and a deletion as before (OpenAI names no schema for it)', async () => {
    const { hooks, log } = conformanceHooks(createLogger('test'));
    const onSend = hooks.onSend as (request: ServerRequest, result: unknown) => void;
    const { store: _, ...withoutStore } = responseObject('completed');
    onSend(request('POST', '/v1/responses/{response_id}/cancel'), { json: withoutStore });
    onSend(request('DELETE', '/v1/responses/{response_id}'), { json: { id: 'resp_1', object: 'response', deleted: true } });
    expect(log.verdicts.map((verdict) => `${verdict.spec} ${verdict.schema} ${verdict.conforms}`)).toEqual([
      'openai Response true',
      'llama-stack OpenAIResponseObject false',
      'open-responses ResponseResource false',
      'openai null true',
    ]);
  });
});
