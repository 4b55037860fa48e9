import { join } from 'node:path';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import { TransformersInference } from '../src/transformers-inference.js';
import { tinyCrossEncoderScore, writeTinyCausalReranker, writeTinyCrossEncoder } from './transformers-tiny-rerankers.js';

const QUERY = 'what is the capital of france';
const DOCUMENTS = ['cats sleep a lot', 'paris is the capital of france', 'the stock market fell', 'the capital city'];

function distribution(modelsDir: string): Record<string, unknown> {
  return {
    providers: { inference: [{ provider_id: 'transformers', provider_type: 'inline::transformers', config: { models_dir: modelsDir } }] },
    registered_resources: {
      models: [
        { model_id: 'tiny-cross-encoder', provider_id: 'transformers', provider_model_id: 'tiny/cross-encoder', model_type: 'rerank' },
        { model_id: 'absent-reranker', provider_id: 'transformers', provider_model_id: 'absent/reranker', model_type: 'rerank' },
      ],
    },
  };
}

describe('inline::transformers behind the server', () => {
  const temp = temporaryDirectory('cria-transformers-');
  const modelsDir = join(temp.dir, 'models');
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    writeTinyCrossEncoder(join(modelsDir, 'tiny', 'cross-encoder'));
    writeTinyCausalReranker(join(modelsDir, 'Qwen', 'Qwen3-Reranker-0.6B'));
    server = await startTestServer({ distribution: distribution(modelsDir), dataDir: temp.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  it('lists Llama Stack\'s reranker and the registered ones as rerank models', async () => {
    const models = await client.models.list();
    const byId = new Map(models.map((model) => [model.id, model as unknown as { custom_metadata?: Record<string, unknown> }]));
    expect(byId.get('transformers/Qwen/Qwen3-Reranker-0.6B')?.custom_metadata).toMatchObject({ model_type: 'rerank' });
    expect(byId.get('transformers/Qwen/Qwen3-Reranker-0.6B')?.custom_metadata?.status).toBeUndefined();
    expect(byId.get('transformers/tiny/cross-encoder')?.custom_metadata).toMatchObject({ model_type: 'rerank' });
    expect(byId.get('transformers/absent/reranker')?.custom_metadata).toMatchObject({ status: 'unavailable' });
  });

  it('ranks with a cross-encoder: query and document as a pair, sigmoid of its logit', async () => {
    const ranked = await client.alpha.inference.rerank({ model: 'tiny-cross-encoder', query: QUERY, items: [...DOCUMENTS.slice(0, 3), { type: 'text', text: DOCUMENTS[3]! }] });
    const expected = DOCUMENTS.map((document, index) => ({ index, relevance_score: tinyCrossEncoderScore(QUERY, document) })).sort((left, right) => right.relevance_score - left.relevance_score);
    expect(ranked.map((result) => result.index)).toEqual(expected.map((result) => result.index));
    expect(ranked[0]!.index).toBe(1);
    ranked.forEach((result, rank) => expect(result.relevance_score).toBeCloseTo(expected[rank]!.relevance_score, 5));

    const top = await client.alpha.inference.rerank({ model: 'transformers/tiny/cross-encoder', query: { type: 'text', text: QUERY }, items: DOCUMENTS, max_num_results: 2 });
    expect(top).toEqual(ranked.slice(0, 2));
  });

  it('ranks with a Qwen3-style yes/no reranker, the same alone as padded in a batch', async () => {
    const ranked = await client.alpha.inference.rerank({ model: 'transformers/Qwen/Qwen3-Reranker-0.6B', query: QUERY, items: DOCUMENTS });
    // More relevant words rank higher; the two documents of four irrelevant words tie.
    expect(ranked.slice(0, 2).map((result) => result.index)).toEqual([1, 3]);
    expect(ranked.slice(2).map((result) => result.index).sort()).toEqual([0, 2]);
    expect(ranked[2]!.relevance_score).toBeCloseTo(ranked[3]!.relevance_score, 6);
    expect(ranked[1]!.relevance_score).toBeGreaterThan(ranked[2]!.relevance_score);
    for (const result of ranked) {
      expect(result.relevance_score).toBeGreaterThan(0);
      expect(result.relevance_score).toBeLessThan(1);
    }
    const [alone] = await client.alpha.inference.rerank({ model: 'transformers/Qwen/Qwen3-Reranker-0.6B', query: QUERY, items: [DOCUMENTS[3]!] });
    expect(alone!.relevance_score).toBeCloseTo(ranked.find((result) => result.index === 3)!.relevance_score, 6);
  });

  it('refuses images with a 400 naming the field, and answers 503 for a reranker not downloaded', async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'https://example.com/image.jpg' } };
    expect(await clientFailure(client.alpha.inference.rerank({ model: 'tiny-cross-encoder', query: 'q', items: ['a', image] }))).toMatchObject({ status: 400, error: { param: 'items[1]' } });
    const missing = await clientFailure(client.alpha.inference.rerank({ model: 'absent-reranker', query: 'q', items: ['a'] }));
    expect(missing.status).toBe(503);
    expect(missing.error.message).toContain(join(modelsDir, 'absent', 'reranker'));
    expect(missing.error.message).toContain('optimum-cli export onnx --model absent/reranker');
  });
});

describe('inline::transformers with no model present', () => {
  it('starts as the starter file enables it (no config), lists Qwen3-Reranker unavailable, and reports health naming what is missing', async () => {
    const temp = temporaryDirectory('cria-transformers-empty-');
    const modelsDir = join(temp.dir, 'none');
    try {
      const server = await startTestServer({ distribution: { providers: { inference: [{ provider_id: 'transformers', provider_type: 'inline::transformers' }] } }, env: { CRIA_MODELS_DIR: modelsDir }, dataDir: temp.dir });
      try {
        const client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
        const failure = await clientFailure(client.alpha.inference.rerank({ model: 'transformers/Qwen/Qwen3-Reranker-0.6B', query: 'q', items: ['a'] }));
        expect(failure.status).toBe(503);
        expect(failure.error.message).toContain('optimum-cli export onnx --model Qwen/Qwen3-Reranker-0.6B --task text-generation');
      } finally {
        await server.close();
      }
      const provider = new TransformersInference({}, { providerId: 'transformers', logger: console as never, distributionDir: temp.dir }, { CRIA_MODELS_DIR: modelsDir });
      expect(await provider.health()).toMatchObject({ status: 'Error', message: expect.stringContaining(join(modelsDir, 'Qwen', 'Qwen3-Reranker-0.6B')) });
    } finally {
      temp.remove();
    }
  });

  it('will not start with a registered reranker outside the models directory', async () => {
    const temp = temporaryDirectory('cria-transformers-escape-');
    try {
      const started = startTestServer({
        distribution: {
          providers: { inference: [{ provider_id: 'transformers', provider_type: 'inline::transformers', config: { models_dir: join(temp.dir, 'models') } }] },
          registered_resources: { models: [{ model_id: 'escape', provider_id: 'transformers', provider_model_id: '../../elsewhere', model_type: 'rerank' }] },
        },
        dataDir: temp.dir,
      });
      await expect(started).rejects.toThrow(/leaves the models directory/);
    } finally {
      temp.remove();
    }
  });
});
