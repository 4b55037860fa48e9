import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, fakeRelevance, startTestServer, type TestServer } from '@cria/testing';

const ITEMS = ['Cooking pasta is a fun activity.', 'C++ is a programming language.', 'Plants need water and sunlight.', 'What is C++? A language.'];
const QUERY = 'What is C++?';

/** A failed call's status, and the param and message of its error. */
async function failure(call: Promise<unknown>): Promise<{ status: number; param: string | null; message: string }> {
  const { status, error } = await clientFailure(call);
  return { status, param: error.param, message: error.message };
}

function expected(items: readonly string[], limit = items.length): { index: number; relevance_score: number }[] {
  return items
    .map((item, index) => ({ index, relevance_score: fakeRelevance(QUERY, item) }))
    .sort((left, right) => right.relevance_score - left.relevance_score)
    .slice(0, limit);
}

// POST /v1alpha/inference/rerank through the OpenAI-compatible family, against stand-ins that
// answer as vLLM (/rerank beside /v1) and llama.cpp server (/v1/rerank) document.
describe('rerank with remote::vllm and remote::llama-cpp-server, with llama-stack-client', () => {
  let vllm: FakeOpenAIUpstream;
  let llamaServer: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    vllm = await FakeOpenAIUpstream.start({ rerank: 'vllm', apiKey: 'vllm-token', models: [{ id: 'fake-llm' }, { id: 'BAAI/bge-reranker-v2-m3', type: 'rerank' }] });
    llamaServer = await FakeOpenAIUpstream.start({ rerank: 'llama-cpp-server', models: [{ id: 'qwen3-reranker', type: 'rerank' }] });
    const openai = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
    server = await startTestServer({
      distribution: {
        apis: ['inference', 'models'],
        providers: {
          inference: [
            { provider_id: 'vllm', provider_type: 'remote::vllm', config: { base_url: vllm.url, api_token: 'vllm-token' } },
            { provider_id: 'llama-server', provider_type: 'remote::llama-cpp-server', config: { base_url: llamaServer.url } },
            { provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: openai.url, api_key: 'test-key' } },
          ],
        },
        registered_resources: {
          models: [
            { model_id: 'qwen3-reranker', provider_id: 'llama-server', model_type: 'rerank' },
            // remote::openai has no rerank endpoint.
            { model_id: 'no-rerank', provider_id: 'openai', provider_model_id: 'fake-llm', model_type: 'rerank' },
          ],
        },
      },
    });
    await openai.close();
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await vllm?.close();
    await llamaServer?.close();
  });

  it('lists vLLM\'s reranker (by its name, as Llama Stack does) as a rerank model', async () => {
    const listed = await client.models.list();
    expect(listed.find((model) => model.id === 'vllm/BAAI/bge-reranker-v2-m3')).toMatchObject({ custom_metadata: { model_type: 'rerank' } });
    expect(listed.find((model) => model.id === 'vllm/fake-llm')).toMatchObject({ custom_metadata: { model_type: 'llm' } });
  });

  it('reranks through vLLM\'s /rerank with its token, in the Jina shape', async () => {
    const ranked = await client.alpha.inference.rerank({ model: 'vllm/BAAI/bge-reranker-v2-m3', query: QUERY, items: [ITEMS[0]!, { type: 'text', text: ITEMS[1]! }, ITEMS[2]!, ITEMS[3]!], max_num_results: 3 });
    expect(ranked).toEqual(expected(ITEMS, 3));
    const sent = vllm.lastRequest('/rerank')!;
    expect(sent.body).toEqual({ model: 'BAAI/bge-reranker-v2-m3', query: QUERY, documents: ITEMS, top_n: 3 });
    expect(sent.headers.authorization).toBe('Bearer vllm-token');
  });

  it('reranks through llama.cpp server\'s /v1/rerank, every item when max_num_results is absent', async () => {
    const ranked = await client.alpha.inference.rerank({ model: 'qwen3-reranker', query: { type: 'text', text: QUERY }, items: ITEMS });
    expect(ranked).toEqual(expected(ITEMS));
    expect(ranked[0]!.index).toBe(3);
    expect(llamaServer.lastRequest('/rerank')!.body).toEqual({ model: 'qwen3-reranker', query: QUERY, documents: ITEMS });
  });

  it('answers 400 naming model for a model that is not a reranker or whose provider cannot rerank, 404 for an unknown one', async () => {
    expect(await failure(client.alpha.inference.rerank({ model: 'vllm/fake-llm', query: QUERY, items: ITEMS }))).toMatchObject({ status: 400, param: 'model' });
    const noRerank = await failure(client.alpha.inference.rerank({ model: 'no-rerank', query: QUERY, items: ITEMS }));
    expect(noRerank).toMatchObject({ status: 400, param: 'model' });
    expect(noRerank.message).toContain('cannot rerank');
    expect(await failure(client.alpha.inference.rerank({ model: 'nobody/nothing', query: QUERY, items: ITEMS }))).toMatchObject({ status: 404, param: 'model' });
  });

  it('refuses image items and bad requests with 400 naming the field', async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'https://example.com/image.jpg' } };
    expect(await failure(client.alpha.inference.rerank({ model: 'qwen3-reranker', query: QUERY, items: ['a', image] }))).toMatchObject({ status: 400, param: 'items[1]' });
    expect(await failure(client.alpha.inference.rerank({ model: 'qwen3-reranker', query: QUERY, items: [] }))).toMatchObject({ status: 400 });
    expect(await failure(client.alpha.inference.rerank({ model: 'qwen3-reranker', query: QUERY, items: ['a'], max_num_results: 0 }))).toMatchObject({ status: 400 });
  });

  it('passes on an upstream failure as an upstream error', async () => {
    llamaServer.fault({ kind: 'status', status: 500, message: 'the reranker crashed' }, 1, '/rerank');
    const failed = await failure(client.alpha.inference.rerank({ model: 'qwen3-reranker', query: QUERY, items: ITEMS }));
    expect(failed.status).toBeGreaterThanOrEqual(500);
  });
});
