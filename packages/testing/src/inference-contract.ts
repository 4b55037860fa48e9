import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream } from './fake-openai-upstream.js';
import { remoteInferenceDistribution, startTestServer } from './server-harness.js';

/** A running server and what the provider under test serves. */
export interface InferenceContractTarget {
  /** The server's OpenAI base URL (`.../v1`). */
  baseURL: string;
  chatModel: string;
  embeddingModel?: string;
  /** Features the provider has; the contract skips the others. All default to true. */
  supports?: Partial<Record<'tools' | 'jsonSchema' | 'completions' | 'embeddings' | 'logprobs' | 'store', boolean>>;
  close(): Promise<void>;
}

/**
 * The inference contract every inference provider passes: the same calls through the official
 * `openai` client, whatever the provider behind the server.
 */
export function describeInferenceContract(name: string, setup: () => Promise<InferenceContractTarget>): void {
  describe(`inference contract: ${name}`, () => {
    let target: InferenceContractTarget;
    let client: OpenAI;
    const supports = (feature: keyof NonNullable<InferenceContractTarget['supports']>) => target.supports?.[feature] ?? true;

    beforeAll(async () => {
      target = await setup();
      client = new OpenAI({ baseURL: target.baseURL, apiKey: 'contract', maxRetries: 0, timeout: 60_000 });
    });
    afterAll(async () => {
      await target?.close();
    });

    it('lists and retrieves the chat model', async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).toContain(target.chatModel);
      const model = await client.models.retrieve(target.chatModel);
      expect(model.id).toBe(target.chatModel);
      expect(model.object).toBe('model');
    });

    it('answers a chat completion', async () => {
      const completion = await client.chat.completions.create({ model: target.chatModel, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 });
      expect(completion.object).toBe('chat.completion');
      expect(completion.model).toBe(target.chatModel);
      expect(completion.id).toBeTruthy();
      const choice = completion.choices[0]!;
      expect(typeof choice.message.content).toBe('string');
      expect(['stop', 'length']).toContain(choice.finish_reason);
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    });

    it('streams a chat completion with usage at the end', async () => {
      const stream = await client.chat.completions.create({
        model: target.chatModel,
        messages: [{ role: 'user', content: 'Count to three.' }],
        max_tokens: 16,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        expect(chunk.object).toBe('chat.completion.chunk');
        expect(chunk.model).toBe(target.chatModel);
        for (const choice of chunk.choices) {
          text += choice.delta.content ?? '';
          finish = choice.finish_reason ?? finish;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(['stop', 'length']).toContain(finish);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
    });

    it('stops at max_tokens with finish_reason length', async () => {
      const completion = await client.chat.completions.create({ model: target.chatModel, messages: [{ role: 'user', content: 'Write a long story about a llama in the mountains.' }], max_tokens: 2 });
      expect(completion.choices[0]!.finish_reason).toBe('length');
      expect(completion.usage!.completion_tokens).toBeLessThanOrEqual(2);
    });

    it('calls a tool with arguments that parse', async (context) => {
      if (!supports('tools')) return context.skip();
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          },
        },
      ];
      const completion = await client.chat.completions.create({
        model: target.chatModel,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        max_tokens: 64,
      });
      const call = completion.choices[0]!.message.tool_calls?.[0];
      expect(call?.type).toBe('function');
      if (call?.type !== 'function') return;
      expect(call.function.name).toBe('get_weather');
      expect(typeof JSON.parse(call.function.arguments).city).toBe('string');
      expect(completion.choices[0]!.finish_reason).toBe('tool_calls');

      const stream = await client.chat.completions.create({
        model: target.chatModel,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools,
        tool_choice: 'required',
        max_tokens: 64,
        stream: true,
      });
      let name = '';
      let args = '';
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          name += delta.function?.name ?? '';
          args += delta.function?.arguments ?? '';
        }
      }
      expect(name).toBe('get_weather');
      expect(typeof JSON.parse(args).city).toBe('string');
    });

    it('returns JSON that fits a json_schema response_format', async (context) => {
      if (!supports('jsonSchema')) return context.skip();
      const completion = await client.chat.completions.create({
        model: target.chatModel,
        messages: [{ role: 'user', content: 'Describe a llama as JSON.' }],
        max_tokens: 96,
        // A fixed seed: a sampled answer may run past max_tokens inside a string, and the test
        // must give the same verdict every run.
        seed: 1,
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'llama',
            strict: true,
            schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false },
          },
        },
      });
      const parsed = JSON.parse(completion.choices[0]!.message.content!);
      expect(typeof parsed.name).toBe('string');
      expect(Number.isInteger(parsed.age)).toBe(true);
    });

    it('answers a text completion', async (context) => {
      if (!supports('completions')) return context.skip();
      const completion = await client.completions.create({ model: target.chatModel, prompt: 'Once upon a time', max_tokens: 8 });
      expect(completion.object).toBe('text_completion');
      expect(typeof completion.choices[0]!.text).toBe('string');
      const stream = await client.completions.create({ model: target.chatModel, prompt: 'Once upon a time', max_tokens: 8, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
      expect(typeof text).toBe('string');
    });

    it('embeds text as floats and as base64', async (context) => {
      if (!supports('embeddings') || !target.embeddingModel) return context.skip();
      const floats = await client.embeddings.create({ model: target.embeddingModel, input: ['first text', 'second text'], encoding_format: 'float' });
      expect(floats.data).toHaveLength(2);
      const dimension = floats.data[0]!.embedding.length;
      expect(dimension).toBeGreaterThan(0);
      expect(floats.data[1]!.embedding).toHaveLength(dimension);
      const raw = await client.embeddings.create({ model: target.embeddingModel, input: 'first text', encoding_format: 'base64' }).asResponse();
      const body = (await raw.json()) as { data: { embedding: string }[] };
      const bytes = Buffer.from(body.data[0]!.embedding, 'base64');
      const decoded = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      expect(decoded.length).toBe(dimension);
      expect(decoded[0]).toBeCloseTo(floats.data[0]!.embedding[0]!, 5);
    });

    it('answers an unknown model with 404 and a bad body with 400 naming the field', async () => {
      await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404 });
      await expect(client.chat.completions.create({ model: target.chatModel, messages: [{ role: 'robot', content: 'hi' } as never] })).rejects.toMatchObject({
        status: 400,
        error: { param: 'messages[0].role', type: 'invalid_request_error' },
      });
    });

    it('stores chat completions for retrieval', async (context) => {
      if (!supports('store')) return context.skip();
      const completion = await client.chat.completions.create({ model: target.chatModel, messages: [{ role: 'user', content: 'Remember me.' }], max_tokens: 4 });
      const stored = await client.chat.completions.retrieve(completion.id);
      expect(stored.id).toBe(completion.id);
      expect((stored as unknown as { input_messages: unknown[] }).input_messages).toEqual([{ role: 'user', content: 'Remember me.' }]);
    });
  });
}

/**
 * The inference contract for an OpenAI-compatible remote provider type, against the fake
 * upstream (which stands in for the hosted service): a server with the provider pointed at it,
 * the fake's chat model and an embedding model registered.
 */
export function describeRemoteInferenceContract(providerType: string, options: { config?: Record<string, unknown> } = {}): void {
  describeInferenceContract(providerType, async () => {
    const upstream = await FakeOpenAIUpstream.start();
    const server = await startTestServer({
      distribution: remoteInferenceDistribution(upstream.url, {
        providerType,
        providerId: 'p',
        ...(options.config ? { config: options.config } : {}),
        models: [{ model_id: 'fake-embedding', provider_id: 'p', model_type: 'embedding', metadata: { embedding_dimension: 16 } }],
      }),
    });
    return {
      baseURL: server.baseURL,
      chatModel: 'p/fake-llm',
      embeddingModel: 'p/fake-embedding',
      close: async () => {
        await server.close();
        await upstream.close();
      },
    };
  });
}
