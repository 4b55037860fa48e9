import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer, type TestServer } from '@cria/testing';

// The examples of Llama Stack's OpenAI-compatibility docs, through Cria, with the official client.
describe('OpenAI client against Cria (fake upstream behind remote::openai)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
    server = await startTestServer({
      distribution: remoteInferenceDistribution(upstream.url, {
        providerId: 'openai',
        models: [
          { model_id: 'gpt-test', provider_id: 'openai', provider_model_id: 'fake-llm' },
          { model_id: 'fake-embedding', provider_id: 'openai', model_type: 'embedding', metadata: { embedding_dimension: 16 } },
        ],
      }),
    });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('lists models as provider_id/model_id, with the configured alias and the provider\'s own list', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['openai/fake-llm', 'openai/fake-llm-2', 'openai/fake-embedding']));
    // Llama Stack's fields ride along on OpenAI's model object.
    const embedding = page.data.find((model) => model.id === 'openai/fake-embedding');
    expect(embedding).toMatchObject({ model_type: 'embedding' });
    const model = await client.models.retrieve('openai/fake-llm');
    expect(model).toMatchObject({ id: 'openai/fake-llm', object: 'model', owned_by: 'openai' });
    const byAlias = await client.models.retrieve('gpt-test');
    expect(byAlias.id).toBe('openai/fake-llm');
    await expect(client.models.retrieve('openai/nope')).rejects.toMatchObject({ status: 404 });
  });

  it('answers a simple chat completion, sending the provider its own model id', async () => {
    const completion = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    expect(completion.choices[0]!.message.content).toBe('Echo: What is the capital of France?');
    expect(completion.model).toBe('openai/fake-llm');
    expect(upstream.lastRequest('/chat/completions')!.body.model).toBe('fake-llm');
    expect(upstream.lastRequest('/chat/completions')!.headers.authorization).toBe('Bearer test-key');
  });

  it('routes the unprefixed alias the distribution registers', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('openai/fake-llm');
  });

  it('streams a chat completion ending with [DONE], with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai/fake-llm',
      messages: [{ role: 'user', content: 'Tell me a story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta.content ?? '');
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.join('')).toBe('Echo: Tell me a story');
    expect(usage).toMatchObject({ completion_tokens: 5 });
    const raw = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    const text = await raw.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('returns structured output with a json_schema response_format', async () => {
    const completion = await client.chat.completions.create({
      model: 'openai/fake-llm',
      messages: [{ role: 'user', content: 'Extract the event' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'event', schema: { type: 'object', properties: { name: { type: 'string' }, date: { type: 'string' }, participants: { type: 'array', items: { type: 'string' } } }, required: ['name', 'date', 'participants'] } },
      },
    });
    const event = JSON.parse(completion.choices[0]!.message.content!);
    expect(event).toMatchObject({ name: expect.any(String), date: expect.any(String), participants: expect.any(Array) });
    const jsonObject = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'json please' }], response_format: { type: 'json_object' } });
    expect(() => JSON.parse(jsonObject.choices[0]!.message.content!)).not.toThrow();
  });

  it('calls tools, streamed and not, and continues after the tool result', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
    ];
    const completion = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Weather in Tokyo?' }], tools, tool_choice: 'auto', parallel_tool_calls: false });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toMatchObject({ location: expect.any(String) });
    expect(upstream.lastRequest('/chat/completions')!.body).toMatchObject({ tool_choice: 'auto', parallel_tool_calls: false });

    const followUp = await client.chat.completions.create({
      model: 'openai/fake-llm',
      messages: [{ role: 'user', content: 'Weather in Tokyo?' }, completion.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 25C' }],
      tools,
    });
    expect(followUp.choices[0]!.message.content).toBe('The tool said: sunny, 25C');

    const stream = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Weather in Tokyo?' }], tools, stream: true });
    const calls = new Map<number, { id?: string; name: string; args: string }>();
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = calls.get(delta.index) ?? { name: '', args: '' };
        if (delta.id) entry.id = delta.id;
        entry.name += delta.function?.name ?? '';
        entry.args += delta.function?.arguments ?? '';
        calls.set(delta.index, entry);
      }
    }
    expect(calls.get(0)!.name).toBe('get_weather');
    expect(JSON.parse(calls.get(0)!.args)).toMatchObject({ location: expect.any(String) });
  });

  it('passes image content parts and the developer role through unchanged', async () => {
    const completion = await client.chat.completions.create({
      model: 'openai/fake-llm',
      messages: [
        { role: 'developer', content: 'Answer briefly.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe('I see 1 image. Echo: What is in this image?');
    const sent = upstream.lastRequest('/chat/completions')!.body;
    expect(sent.messages[0]).toEqual({ role: 'developer', content: 'Answer briefly.' });
    expect(sent.messages[1].content[1]).toEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } });
  });

  it('passes sampling parameters through: n, stop, seed, temperature, top_p, max_completion_tokens, logprobs, user, metadata', async () => {
    const completion = await client.chat.completions.create({
      model: 'openai/fake-llm',
      messages: [{ role: 'user', content: 'one two three four five' }],
      n: 2,
      stop: ['four'],
      seed: 7,
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 50,
      logprobs: true,
      top_logprobs: 2,
      user: 'user-1',
      metadata: { purpose: 'test' },
    });
    expect(completion.choices).toHaveLength(2);
    expect(completion.choices[1]!.message.content).toBe('Echo: one two three ');
    expect(completion.choices[0]!.logprobs!.content![0]!.top_logprobs).toHaveLength(2);
    expect(upstream.lastRequest('/chat/completions')!.body).toMatchObject({ n: 2, stop: ['four'], seed: 7, temperature: 0.2, top_p: 0.9, max_completion_tokens: 50, user: 'user-1', metadata: { purpose: 'test' } });
    const cut = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'a b c d e f' }], max_tokens: 3 });
    expect(cut.choices[0]!.finish_reason).toBe('length');
  });

  it('answers completions, streamed and not', async () => {
    const completion = await client.completions.create({ model: 'openai/fake-llm', prompt: 'The capital of France is' });
    expect(completion.choices[0]!.text).toBe('Echo: The capital of France is');
    expect(completion.model).toBe('openai/fake-llm');
    const stream = await client.completions.create({ model: 'openai/fake-llm', prompt: 'Once upon', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('Echo: Once upon');
  });

  it('creates embeddings as floats and as base64', async () => {
    const floats = await client.embeddings.create({ model: 'openai/fake-embedding', input: 'Llama Stack is awesome', encoding_format: 'float' });
    expect(floats.data[0]!.embedding).toHaveLength(16);
    // The client asks for base64 by default and decodes it itself.
    const decoded = await client.embeddings.create({ model: 'openai/fake-embedding', input: ['Llama Stack is awesome', 'so is Cria'] });
    expect(decoded.data).toHaveLength(2);
    expect(decoded.data[0]!.embedding[3]).toBeCloseTo(floats.data[0]!.embedding[3]!, 5);
    expect(decoded.model).toBe('openai/fake-embedding');
  });

  it('keeps chat completions: list, retrieve, messages', async () => {
    const created = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Store me' }] });
    const stored = await client.chat.completions.retrieve(created.id);
    expect(stored.choices[0]!.message.content).toBe('Echo: Store me');
    const messages = [];
    for await (const message of client.chat.completions.messages.list(created.id)) messages.push(message);
    expect(messages.map((message) => message.content)).toEqual(['Be kind.', 'Store me']);
    expect(messages[0]!.id).toBe(`${created.id}-0`);
    const page = await client.chat.completions.list({ limit: 2, model: 'openai/fake-llm' });
    expect(page.data[0]!.id).toBe(created.id);
    expect(page.has_more).toBe(true);
    const next = await client.chat.completions.list({ limit: 2, after: page.data[1]!.id, model: 'openai/fake-llm' });
    expect(next.data[0]!.id).not.toBe(page.data[1]!.id);
    await expect(client.chat.completions.retrieve('chatcmpl-missing')).rejects.toMatchObject({ status: 404 });
  });

  it('answers errors with the OpenAI envelope', async () => {
    const notFound = await client.chat.completions.create({ model: 'missing/model', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found' });

    const invalid = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'hi' }], temperature: 5 }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ param: 'temperature', type: 'invalid_request_error' });

    const missing = await client.chat.completions.create({ model: 'openai/fake-llm' } as never).catch((error: unknown) => error);
    expect((missing as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ param: 'messages' });

    const wrongType = await client.embeddings.create({ model: 'openai/fake-llm', input: 'x' }).catch((error: unknown) => error);
    expect(wrongType).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
