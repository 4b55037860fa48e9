import { join } from 'node:path';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, type TestServer, temporaryDirectory, writeTinyModel } from '@cria/testing';

const RERANKER_FILE = 'tiny-reranker.gguf';
const CHAT_FILE = 'tiny-chat.gguf';

function llamaDistribution(modelsDir: string, models: Record<string, unknown>[]): Record<string, unknown> {
  return {
    apis: ['inference', 'models'],
    providers: { inference: [{ provider_id: 'llama', provider_type: 'inline::llama-cpp', config: { models_dir: modelsDir, threads: 1, context_size: 256, parallel_sequences: 1 } }] },
    registered_resources: { models },
  };
}

/** A failed call's status, and the param and message of its error. */
async function failure(call: Promise<unknown>): Promise<{ status: number; param: string | null; message: string }> {
  const { status, error } = await clientFailure(call);
  return { status, param: error.param, message: error.message };
}

// A generated Qwen3-architecture reranker (rank pooling, a cls.output head): random weights, so
// the scores mean nothing, but they are llama.cpp's, per pair, whatever else is in the request.
describe('inline::llama-cpp rerank, with llama-stack-client', () => {
  const models = temporaryDirectory('cria-llama-rerank-');
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    writeTinyModel({ path: join(models.dir, RERANKER_FILE), kind: 'reranker' });
    writeTinyModel({ path: join(models.dir, CHAT_FILE), kind: 'chat' });
    server = await startTestServer({
      distribution: llamaDistribution(models.dir, [
        { model_id: 'tiny-reranker', provider_id: 'llama', provider_model_id: RERANKER_FILE, model_type: 'rerank' },
        { model_id: 'tiny-chat', provider_id: 'llama', provider_model_id: CHAT_FILE, model_type: 'llm' },
      ]),
    });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0, timeout: 60_000 });
  });
  afterAll(async () => {
    await server?.close();
    models.remove();
  });

  const documents = ['Alpacas hum when they are curious.', 'C++ is a programming language.', 'Paris is the capital of France.', 'x'];

  it('lists the reranker as a rerank model', async () => {
    const listed = await client.models.list();
    expect(listed.find((model) => model.id === `llama/${RERANKER_FILE}`)).toMatchObject({ custom_metadata: { model_type: 'rerank' } });
  });

  it('scores every item between 0 and 1, most relevant first, each as it scores alone', async () => {
    const ranked = await client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'What is C++?', items: [...documents, { type: 'text', text: documents[0]! }] });
    expect(ranked.map((result) => result.index).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const result of ranked) {
      expect(result.relevance_score).toBeGreaterThan(0);
      expect(result.relevance_score).toBeLessThan(1);
    }
    const scores = ranked.map((result) => result.relevance_score);
    expect(scores).toEqual([...scores].sort((left, right) => right - left));
    const byIndex = new Map(ranked.map((result) => [result.index, result.relevance_score]));
    // A text part scores as its string does; different texts score differently.
    expect(byIndex.get(4)).toBe(byIndex.get(0));
    expect(new Set(documents.map((_, index) => byIndex.get(index))).size).toBe(documents.length);
    for (const [index, document] of documents.entries()) {
      const [alone] = await client.alpha.inference.rerank({ model: 'llama/tiny-reranker.gguf', query: { type: 'text', text: 'What is C++?' }, items: [document] });
      expect(alone).toEqual({ index: 0, relevance_score: byIndex.get(index) });
    }
  });

  it('returns at most max_num_results, the best ones', async () => {
    const all = await client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'capital', items: documents });
    const top = await client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'capital', items: documents, max_num_results: 2 });
    expect(top).toEqual(all.slice(0, 2));
    expect(await client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'capital', items: documents.slice(0, 2), max_num_results: 10 })).toHaveLength(2);
  });

  it('refuses images, a chat model, and a pair longer than the context, naming the field', async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'https://example.com/image.jpg' } };
    expect(await failure(client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'q', items: ['a', image] }))).toMatchObject({ status: 400, param: 'items[1]' });
    expect(await failure(client.alpha.inference.rerank({ model: 'tiny-reranker', query: image, items: ['a'] }))).toMatchObject({ status: 400, param: 'query' });
    expect(await failure(client.alpha.inference.rerank({ model: 'tiny-chat', query: 'q', items: ['a'] }))).toMatchObject({ status: 400, param: 'model' });
    expect(await failure(client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'q', items: ['a', 'long '.repeat(100)] }))).toMatchObject({ status: 400, param: 'items[1]' });
    expect(await failure(client.alpha.inference.rerank({ model: 'tiny-reranker', query: 'q', items: [] }))).toMatchObject({ status: 400 });
  });

  it('will not start with a model that has no rank head registered as a reranker', async () => {
    const started = startTestServer({ distribution: llamaDistribution(models.dir, [{ model_id: 'not-a-reranker', provider_id: 'llama', provider_model_id: CHAT_FILE, model_type: 'rerank' }]) });
    await expect(started).rejects.toThrow(/no classification head/);
  });
});
