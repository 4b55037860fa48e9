import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, InferenceProvider, RequestContext } from '@cria/api';
import { createTestProvider, describeInferenceContract, startTestServer, temporaryDirectory, type TestProvider } from '@cria/testing';
import provider from '../src/index.js';

// The contract every inference provider passes, through a real server and the official `openai`
// client. The server finds this package by its package.json `cria` field and loads its build.
describeInferenceContract('__provider_type__', async () => {
  const server = await startTestServer({
    distribution: { providers: { inference: [{ provider_id: '__provider_name__', provider_type: '__provider_type__', config: {} }] } },
  });
  return {
    baseURL: server.baseURL,
    chatModel: '__provider_name__/echo',
    // An echo calls no tools and follows no JSON schema; the contract skips those checks.
    supports: { tools: false, jsonSchema: false, logprobs: false },
    close: () => server.close(),
  };
});

describe('__provider_type__', () => {
  const data = temporaryDirectory();
  const context: RequestContext = { signal: new AbortController().signal, providerData: null };
  let echo: TestProvider<InferenceProvider>;

  beforeAll(async () => {
    echo = await createTestProvider(provider, { prefix: '> ' }, { dataDir: data.dir });
  });
  afterAll(async () => {
    await echo?.close();
    data.remove();
  });

  it('answers with the last user message, after the configured prefix', async () => {
    const completion = await echo.impl.chatCompletion(
      {
        model: 'echo',
        messages: [
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'first answer' },
          { role: 'user', content: [{ type: 'text', text: 'second question' }] },
        ],
      },
      context,
    );
    expect(completion.choices[0]?.message.content).toBe('> second question');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams the same answer, cut at max_tokens with finish_reason length', async () => {
    const chunks: ChatCompletionChunk[] = [];
    const stream = await echo.impl.streamChatCompletion({ model: 'echo', messages: [{ role: 'user', content: 'one two three four' }], max_tokens: 3 }, context);
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('> one two ');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
  });

  it('refuses a chat without a user message, naming the field', async () => {
    await expect(echo.impl.chatCompletion({ model: 'echo', messages: [{ role: 'system', content: 'be brief' }] }, context)).rejects.toMatchObject({ param: 'messages' });
  });
});
