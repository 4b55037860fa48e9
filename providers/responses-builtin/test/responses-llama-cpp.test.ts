import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOpenResponsesEvents, startTestServer, temporaryDirectory, type TestServer, writeTinyModel } from '@cria/testing';

/**
 * The Responses API on inline::llama-cpp with a tiny random-weight model: its words are noise,
 * but tool calls are forced by grammar, so a named function call always parses.
 */
describe('the Responses API on llama.cpp', () => {
  let server: TestServer;
  let client: OpenAI;
  const models = temporaryDirectory('cria-responses-llama-');
  const tools: OpenAI.Responses.Tool[] = [
    { type: 'function', name: 'get_weather', description: 'The weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true },
  ];

  beforeAll(async () => {
    writeTinyModel({ path: join(models.dir, 'tiny-chat.gguf'), kind: 'chat' });
    server = await startTestServer({
      distribution: {
        apis: ['inference', 'responses'],
        providers: {
          inference: [{ provider_id: 'llama', provider_type: 'inline::llama-cpp', config: { models_dir: models.dir, threads: 1, context_size: 2048, parallel_sequences: 2 } }],
          responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: {} }],
        },
        registered_resources: { models: [{ model_id: 'tiny-chat', provider_id: 'llama', provider_model_id: 'tiny-chat.gguf', model_type: 'llm' }] },
      },
    });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    models.remove();
  });

  it('forces a named function call that parses, and continues with its output', async () => {
    const first = await client.responses.create({ model: 'tiny-chat', input: 'Weather in Lima?', tools, tool_choice: { type: 'function', name: 'get_weather' }, max_output_tokens: 60 });
    const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call.name).toBe('get_weather');
    expect(typeof JSON.parse(call.arguments).city).toBe('string');
    const second = await client.responses.create({
      model: 'tiny-chat',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'Sunny' }],
      tools,
      tool_choice: 'none',
      max_output_tokens: 8,
    });
    expect(['completed', 'incomplete']).toContain(second.status);
    expect(second.output.at(-1)).toMatchObject({ type: 'message', role: 'assistant' });
  });

  it('streams a forced call as function_call_arguments events', async () => {
    const stream = await client.responses.create({ model: 'tiny-chat', input: 'Weather in Rome?', tools, tool_choice: 'required', max_output_tokens: 60, stream: true });
    const events: Record<string, unknown>[] = [];
    for await (const event of stream) events.push(event as unknown as Record<string, unknown>);
    assertOpenResponsesEvents(events);
    const done = events.find((event) => event.type === 'response.function_call_arguments.done')!;
    expect(JSON.parse(done.arguments as string)).toHaveProperty('city');
    expect(events.at(-1)!.type).toBe('response.completed');
  });
});
