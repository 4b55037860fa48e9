import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaCppFixture, MISSING_URI, startLlamaCppServer } from './llama-cpp-fixture.js';

/** Tokens of the tiny model's ChatML prompt: BOS, then per message <|im_start|>, one token per byte, <|im_end|> and a newline. */
function chatMlPromptTokens(messages: { role: string; content: string }[]): number {
  let count = 1;
  for (const message of messages) count += 2 + Buffer.byteLength(`${message.role}\n${message.content}`) + 1; // <|im_start|> … <|im_end|> \n
  return count + 1 + Buffer.byteLength('assistant\n');
}

describe('inline::llama-cpp through the server, with the openai client', () => {
  let fixture: LlamaCppFixture;
  let client: OpenAI;

  beforeAll(async () => {
    fixture = await startLlamaCppServer();
    client = new OpenAI({ baseURL: fixture.server.baseURL, apiKey: 'none', maxRetries: 0, timeout: 60_000 });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('lists the models, the missing one as unavailable with how to add it', async () => {
    const page = await client.models.list();
    const byId = new Map(page.data.map((model) => [model.id, model as unknown as { custom_metadata: Record<string, unknown>; model_type: string }]));
    expect(byId.get(fixture.chatModel)?.custom_metadata.status).toBeUndefined();
    expect(byId.get(fixture.embeddingModel)?.custom_metadata).toMatchObject({ embedding_dimension: 64, context_length: 2048 });
    const missing = byId.get(fixture.missingModel)!;
    expect(missing.custom_metadata.status).toBe('unavailable');
    expect(missing.custom_metadata.error).toContain(`cria pull ${MISSING_URI}`);
    const answer = await client.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(answer).toBeInstanceOf(OpenAI.APIError);
    expect((answer as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((answer as InstanceType<typeof OpenAI.APIError>).message).toContain('cria pull');
  });

  it('answers a chat completion with real token counts, cut at max_tokens', async () => {
    const messages = [{ role: 'user' as const, content: 'Say hello.' }];
    const completion = await client.chat.completions.create({ model: 'tiny-chat', messages, max_tokens: 7, temperature: 0 });
    expect(completion.model).toBe(fixture.chatModel);
    expect(completion.object).toBe('chat.completion');
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('length');
    // The loaded model has its queue gauge, empty now that its request is answered.
    const queue = fixture.server.stack.container.cradle.gauges.list().filter((gauge) => gauge.name === 'cria_llama_cpp_queue').flatMap((gauge) => gauge.collect());
    expect(queue).toContainEqual({ labels: { provider_id: expect.any(String), model: expect.stringContaining('tiny') }, value: 0 });
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.content!.length).toBeGreaterThan(0);
    expect(completion.usage).toEqual({ prompt_tokens: chatMlPromptTokens(messages), completion_tokens: 7, total_tokens: chatMlPromptTokens(messages) + 7 });
  });

  it('streams the same text it answers whole (greedy), with usage at the end', async () => {
    const request = { model: 'tiny-chat', messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Count to three.' }], max_tokens: 12, temperature: 0 };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.model).toBe(fixture.chatModel);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(finish).toBe('length');
    expect(usage).toEqual(whole.usage);
  });

  it('stops at a stop sequence with finish_reason stop, and repeats itself under a seed', async () => {
    const base = { model: 'tiny-chat', messages: [{ role: 'user' as const, content: 'Tell me something.' }], max_tokens: 24, temperature: 0.9, top_p: 0.95, seed: 11 };
    const first = await client.chat.completions.create(base);
    const again = await client.chat.completions.create(base);
    const text = first.choices[0]!.message.content!;
    expect(again.choices[0]!.message.content).toBe(text);
    expect(text.length).toBeGreaterThan(8);
    const stop = text.slice(6, 8);
    const cut = await client.chat.completions.create({ ...base, stop: [stop] });
    expect(cut.choices[0]!.finish_reason).toBe('stop');
    expect(cut.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    const other = await client.chat.completions.create({ ...base, seed: 12 });
    expect(other.choices[0]!.message.content).not.toBe(text);
  });

  it('enforces a json_schema response_format and json_object, whatever the weights', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, kind: { enum: ['llama', 'alpaca'] } },
      required: ['name', 'age', 'tags', 'kind'],
      additionalProperties: false,
    };
    for (const seed of [1, 2, 3]) {
      const completion = await client.chat.completions.create({
        model: 'tiny-chat',
        messages: [{ role: 'user', content: 'Describe a llama.' }],
        max_tokens: 200,
        seed,
        response_format: { type: 'json_schema', json_schema: { name: 'llama', strict: true, schema } },
      });
      expect(completion.choices[0]!.finish_reason).toBe('stop');
      const parsed = JSON.parse(completion.choices[0]!.message.content!);
      expect(Object.keys(parsed).sort()).toEqual(['age', 'kind', 'name', 'tags']);
      expect(typeof parsed.name).toBe('string');
      expect(Number.isInteger(parsed.age)).toBe(true);
      expect(Array.isArray(parsed.tags) && parsed.tags.every((tag: unknown) => typeof tag === 'string')).toBe(true);
      expect(['llama', 'alpaca']).toContain(parsed.kind);
    }
    const object = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'JSON please' }], max_tokens: 200, response_format: { type: 'json_object' } });
    expect(typeof JSON.parse(object.choices[0]!.message.content!)).toBe('object');
  });

  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] } } },
    { type: 'function', function: { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } },
  ];

  it('calls tools when required or named, as OpenAI tool_calls that parse, streamed and not', async () => {
    const named = await client.chat.completions.create({
      model: 'tiny-chat',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 100,
    });
    const call = named.choices[0]!.message.tool_calls![0]!;
    expect(named.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.id).toMatch(/^call-/);
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    const args = JSON.parse(call.type === 'function' ? call.function.arguments : '');
    expect(typeof args.city).toBe('string');
    expect(Number.isInteger(args.days)).toBe(true);

    const required = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Anything.' }], tools, tool_choice: 'required', max_tokens: 100, seed: 5 });
    const requiredCall = required.choices[0]!.message.tool_calls![0]!;
    expect(['get_weather', 'get_time']).toContain(requiredCall.type === 'function' && requiredCall.function.name);

    const stream = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools, tool_choice: 'required', max_tokens: 100, stream: true });
    const calls = new Map<number, { id?: string; name: string; args: string }>();
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = calls.get(delta.index) ?? { name: '', args: '' };
        if (delta.id) entry.id = delta.id;
        entry.name += delta.function?.name ?? '';
        entry.args += delta.function?.arguments ?? '';
        calls.set(delta.index, entry);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    const first = calls.get(0)!;
    expect(first.id).toBeTruthy();
    expect(['get_weather', 'get_time']).toContain(first.name);
    expect(typeof JSON.parse(first.args)).toBe('object');

    // Continues after the tool's result; `none` never calls.
    const followUp = await client.chat.completions.create({
      model: 'tiny-chat',
      messages: [{ role: 'user', content: 'Weather in Paris?' }, named.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 25C' }],
      tools,
      tool_choice: 'none',
      max_tokens: 6,
    });
    expect(followUp.choices[0]!.message.tool_calls).toBeUndefined();
    expect(followUp.choices[0]!.finish_reason).toBe('length');
    expect(followUp.choices[0]!.message.content!.length).toBeGreaterThan(0);

    // auto: the model decides; whatever it does is well-formed.
    const auto = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Weather?' }], tools, max_tokens: 20 });
    const autoChoice = auto.choices[0]!;
    if (autoChoice.message.tool_calls?.length) {
      expect(autoChoice.finish_reason).toBe('tool_calls');
      for (const toolCall of autoChoice.message.tool_calls) expect(() => JSON.parse(toolCall.type === 'function' ? toolCall.function.arguments : '')).not.toThrow();
    } else {
      expect(typeof autoChoice.message.content).toBe('string');
    }
  });

  it('answers n > 1 side by side, and a clear 400 when n exceeds the parallel sequences', async () => {
    const completion = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Hi' }], n: 3, max_tokens: 10, seed: 3 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(new Set(completion.choices.map((choice) => choice.message.content)).size).toBeGreaterThan(1);
    expect(completion.usage!.completion_tokens).toBe(30);
    const stream = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Hi' }], n: 2, max_tokens: 5, stream: true });
    const texts = ['', ''];
    for await (const chunk of stream) for (const choice of chunk.choices) texts[choice.index] += choice.delta.content ?? '';
    expect(texts.every((text) => text.length > 0)).toBe(true);
    await expect(client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'Hi' }], n: 5 })).rejects.toMatchObject({ status: 400, error: { param: 'n' } });
  });

  it('answers text completions: plain, streamed, batched, echoed and from tokens', async () => {
    const completion = await client.completions.create({ model: 'tiny-chat', prompt: 'Once upon a time', max_tokens: 6, temperature: 0 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.usage).toEqual({ prompt_tokens: 16, completion_tokens: 6, total_tokens: 22 });
    const stream = await client.completions.create({ model: 'tiny-chat', prompt: 'Once upon a time', max_tokens: 6, temperature: 0, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(completion.choices[0]!.text);
    const batch = await client.completions.create({ model: 'tiny-chat', prompt: ['abc', 'defgh', 'ij'], max_tokens: 3, n: 2 });
    expect(batch.choices).toHaveLength(6);
    expect(batch.usage!.prompt_tokens).toBe(10);
    expect(batch.usage!.completion_tokens).toBe(18);
    const echoed = await client.completions.create({ model: 'tiny-chat', prompt: 'Echo me', max_tokens: 2, echo: true });
    expect(echoed.choices[0]!.text.startsWith('Echo me')).toBe(true);
    const fromTokens = await client.completions.create({ model: 'tiny-chat', prompt: [72, 105], max_tokens: 2 });
    expect(fromTokens.usage!.prompt_tokens).toBe(2);
    await expect(client.completions.create({ model: 'tiny-chat', prompt: [72, 100000], max_tokens: 2 })).rejects.toMatchObject({ status: 400, error: { param: 'prompt[1]' } });
  });

  it('embeds text as unit vectors, floats and base64, in batches', async () => {
    const floats = await client.embeddings.create({ model: 'tiny-embedding', input: ['first text', 'second text', 'first text'], encoding_format: 'float' });
    expect(floats.model).toBe(fixture.embeddingModel);
    expect(floats.data.map((item) => item.index)).toEqual([0, 1, 2]);
    const [a, b, c] = floats.data.map((item) => item.embedding);
    expect(a).toHaveLength(64);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(c).toEqual(a);
    expect(b).not.toEqual(a);
    expect(floats.usage).toEqual({ prompt_tokens: 31, total_tokens: 31 });
    const raw = await client.embeddings.create({ model: 'tiny-embedding', input: 'first text', encoding_format: 'base64' }).asResponse();
    const body = (await raw.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]!.embedding, 'base64');
    const decoded = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(decoded).toHaveLength(64);
    expect(decoded[5]).toBeCloseTo(a![5]!, 6);
    await expect(client.embeddings.create({ model: 'tiny-embedding', input: ['ok', ''] })).rejects.toMatchObject({ status: 400, error: { param: 'input[1]' } });
    await expect(client.embeddings.create({ model: 'tiny-chat', input: 'x' })).rejects.toMatchObject({ status: 400 });
  });

  it('answers bad requests with a 400 naming the field', async () => {
    const cases: [Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>, string][] = [
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] }, 'messages[0].content[0].type'],
      [{ messages: [{ role: 'user', content: 'hi' }], logprobs: true }, 'logprobs'],
      [{ messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'nope', content: 'x' }] }, 'messages[1].tool_call_id'],
      [{ messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name'],
      [{ messages: [{ role: 'user', content: 'hi' }], max_tokens: 5000 }, 'max_tokens'],
      [{ messages: [{ role: 'user', content: 'x'.repeat(2100) }] }, 'messages'],
      [{ messages: [{ role: 'user', content: 'hi' }], logit_bias: { '99999': 5 } }, 'logit_bias'],
    ];
    for (const [body, param] of cases) {
      const error = await client.chat.completions.create({ model: 'tiny-chat', ...body } as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((caught: unknown) => caught);
      expect(error, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).error, param).toMatchObject({ param, type: 'invalid_request_error' });
    }
  });

  it('frees the sequence of a stream cancelled mid-way at once', async () => {
    const controllers = [];
    for (let index = 0; index < 4; index++) {
      const controller = new AbortController();
      controllers.push(controller);
      const stream = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: `long ${index}` }], max_tokens: 900, stream: true }, { signal: controller.signal });
      let received = 0;
      const reading = (async () => {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) received++;
          if (received === 3) controller.abort();
        }
      })();
      await reading.catch(() => undefined);
      expect(received).toBe(3);
    }
    // All four sequences must be free again: n = 4 needs every one of them.
    const started = Date.now();
    const all = await client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'after' }], n: 4, max_tokens: 4 });
    expect(all.choices).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 20 concurrent requests to one model, loaded once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2
          ? client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: `request ${index}` }], max_tokens: 8 })
          : client.chat.completions.create({ model: 'tiny-chat', messages: [{ role: 'user', content: `request ${index}` }], max_tokens: 8, stream: true }).then(async (stream) => {
              let text = '';
              for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
              return text;
            }),
      ),
    );
    expect(answers).toHaveLength(20);
    for (const answer of answers) {
      if (typeof answer === 'string') expect(answer.length).toBeGreaterThan(0);
      else expect(answer.usage!.completion_tokens).toBe(8);
    }
  });
});
