import { join } from 'node:path';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, temporaryDirectory, type TestServer, writeTinyModel } from '@cria/testing';

const MISSING_URI = 'hf:nobody/missing-reranker-GGUF:Q4_K_M';

// A generated Qwen3-architecture GGUF reranker (random weights): its scores are llama.cpp's.
describe('inline::transformers hands GGUF rerankers to llama.cpp', () => {
  const temp = temporaryDirectory('cria-transformers-gguf-');
  const modelsDir = join(temp.dir, 'models');
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    writeTinyModel({ path: join(modelsDir, 'tiny-reranker.gguf'), kind: 'reranker' });
    server = await startTestServer({
      distribution: {
        providers: { inference: [{ provider_id: 'transformers', provider_type: 'inline::transformers', config: { models_dir: modelsDir } }] },
        registered_resources: {
          models: [
            { model_id: 'gguf-reranker', provider_id: 'transformers', provider_model_id: 'tiny-reranker.gguf', model_type: 'rerank' },
            { model_id: 'missing-gguf', provider_id: 'transformers', provider_model_id: MISSING_URI, model_type: 'rerank' },
          ],
        },
      },
      dataDir: temp.dir,
    });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0, timeout: 60_000 });
  });

  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  it('ranks with llama.cpp: every item scored in (0, 1), each pair as it scores alone', async () => {
    const documents = ['Paris is the capital of France.', 'Alpacas hum.', 'C++ is a language.'];
    const ranked = await client.alpha.inference.rerank({ model: 'gguf-reranker', query: 'What is the capital of France?', items: documents });
    expect(ranked.map((result) => result.index).sort()).toEqual([0, 1, 2]);
    for (const result of ranked) {
      expect(result.relevance_score).toBeGreaterThan(0);
      expect(result.relevance_score).toBeLessThan(1);
    }
    const [alone] = await client.alpha.inference.rerank({ model: 'transformers/tiny-reranker.gguf', query: 'What is the capital of France?', items: [documents[1]!] });
    expect(alone!.relevance_score).toBeCloseTo(ranked.find((result) => result.index === 1)!.relevance_score, 4);
  });

  it('lists a GGUF not downloaded as unavailable, and answers 503 naming `cria pull`', async () => {
    const listed = await client.models.list();
    expect(listed.find((model) => model.id === `transformers/${MISSING_URI}`)).toMatchObject({ custom_metadata: { status: 'unavailable' } });
    const missing = await clientFailure(client.alpha.inference.rerank({ model: 'missing-gguf', query: 'q', items: ['a'] }));
    expect(missing.status).toBe(503);
    expect(missing.error.message).toContain(`cria pull ${MISSING_URI}`);
  });
});
