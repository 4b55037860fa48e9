import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer, type TestServer } from '@cria/testing';

// The official Llama Stack client against Cria: the same routes, objects and errors it expects.
describe('llama-stack-client against Cria', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start();
    server = await startTestServer({
      distribution: remoteInferenceDistribution(upstream.url, {
        providerId: 'vllm',
        providerType: 'remote::vllm',
        models: [
          { model_id: 'meta-llama/Llama-3.1-8B-Instruct', provider_id: 'vllm', provider_model_id: 'fake-llm' },
          { model_id: 'all-MiniLM-L6-v2', provider_id: 'vllm', provider_model_id: 'fake-embedding', model_type: 'embedding', metadata: { embedding_dimension: 16 } },
        ],
      }),
    });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('lists models with Llama Stack fields and retrieves one whose id contains slashes', async () => {
    const models = await client.models.list();
    const llm = models.find((model) => model.id === 'vllm/fake-llm')!;
    expect(llm.custom_metadata).toMatchObject({ model_type: 'llm', provider_id: 'vllm', provider_resource_id: 'fake-llm' });
    const retrieved = await client.models.retrieve('vllm/fake-llm');
    expect(retrieved).toMatchObject({ identifier: 'vllm/fake-llm', provider_id: 'vllm', provider_resource_id: 'fake-llm', type: 'model', model_type: 'llm' });
    const byAlias = await client.models.retrieve('meta-llama/Llama-3.1-8B-Instruct');
    expect(byAlias.identifier).toBe('vllm/fake-llm');
  });

  it('creates chat completions, plain and streamed, by alias', async () => {
    const completion = await client.chat.completions.create({ model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    expect(completion.choices[0]!.message.content).toBe('Echo: What is the capital of France?');
    // vLLM's preset sends max_tokens when the request sets none.
    expect(upstream.lastRequest('/chat/completions')!.body.max_tokens).toBe(4096);
    const stream = await client.chat.completions.create({ model: 'vllm/fake-llm', messages: [{ role: 'user', content: 'stream it' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Echo: stream it');
    const listed = await client.chat.completions.list({ limit: 1 });
    expect(listed.data[0]!.input_messages).toEqual([{ role: 'user', content: 'stream it' }]);
    const retrieved = await client.chat.completions.retrieve(completion.id);
    expect(retrieved.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Echo: What is the capital of France?' });
  });

  it('creates completions and embeddings', async () => {
    const completion = await client.completions.create({ model: 'vllm/fake-llm', prompt: 'The capital of France is' });
    expect(completion.choices[0]!.text).toBe('Echo: The capital of France is');
    const embeddings = await client.embeddings.create({ model: 'all-MiniLM-L6-v2', input: 'Llama Stack is awesome' });
    expect(embeddings.data[0]!.embedding).toHaveLength(16);
  });

  it('inspects health, version, providers and routes', async () => {
    expect(await client.inspect.health()).toEqual({ status: 'OK' });
    expect((await client.inspect.version()).version).toMatch(/^\d+\.\d+\.\d+/);
    const providers = await client.providers.list();
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ api: 'inference', provider_id: 'vllm', provider_type: 'remote::vllm', health: { status: 'OK' } });
    expect(providers[0]!.config).toMatchObject({ base_url: upstream.url, api_key: '********' });
    const provider = await client.providers.retrieve('vllm');
    expect(provider.provider_type).toBe('remote::vllm');
    const routes = await client.routes.list();
    expect(routes).toEqual(expect.arrayContaining([{ route: '/v1/chat/completions', method: 'POST', provider_types: ['remote::vllm'] }, { route: '/v1/models/{model_id}', method: 'GET', provider_types: ['remote::vllm'] }]));
    expect(await client.alpha.admin.health()).toEqual({ status: 'OK' });
    expect((await client.alpha.admin.listProviders())[0]!.provider_id).toBe('vllm');
    expect((await client.alpha.admin.inspectProvider('vllm')).provider_type).toBe('remote::vllm');
    expect((await client.alpha.admin.version()).version).toMatch(/^\d+/);
    expect((await client.alpha.admin.listRoutes({ api_filter: 'v1alpha' })).map((route) => route.route)).toContain('/v1alpha/admin/health');
  });

  it('raises the client\'s typed errors', async () => {
    await expect(client.models.retrieve('vllm/missing')).rejects.toBeInstanceOf(LlamaStackClient.NotFoundError);
    await expect(client.providers.retrieve('nope')).rejects.toBeInstanceOf(LlamaStackClient.NotFoundError);
    await expect(client.chat.completions.create({ model: 'vllm/fake-llm', messages: [] })).rejects.toBeInstanceOf(LlamaStackClient.BadRequestError);
  });
});
