import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import { SentenceTransformersInference } from '../src/sentence-transformers-inference.js';
import { tinyEmbedding, WIDTH, writeTinyEmbeddingModel } from './sentence-transformers-tiny-model.js';

function distribution(modelsDir: string): Record<string, unknown> {
  return {
    providers: {
      inference: [{ provider_id: 'sentence-transformers', provider_type: 'inline::sentence-transformers', config: { trust_remote_code: false, models_dir: modelsDir } }],
    },
    registered_resources: {
      models: [
        { model_id: 'tiny-embed', provider_id: 'sentence-transformers', provider_model_id: 'tiny/embedder', model_type: 'embedding' },
        { model_id: 'external-embed', provider_id: 'sentence-transformers', provider_model_id: 'tiny/external', model_type: 'embedding' },
        { model_id: 'absent-embed', provider_id: 'sentence-transformers', provider_model_id: 'absent/embedder', model_type: 'embedding', metadata: { embedding_dimension: 8 } },
      ],
    },
  };
}

describe('inline::sentence-transformers behind the server', () => {
  const temp = temporaryDirectory('cria-sentence-transformers-');
  const modelsDir = join(temp.dir, 'models');
  let server: TestServer;
  let openai: OpenAI;

  beforeAll(async () => {
    writeTinyEmbeddingModel(join(modelsDir, 'tiny', 'embedder'));
    writeTinyEmbeddingModel(join(modelsDir, 'tiny', 'external'), { externalData: true });
    server = await startTestServer({ distribution: distribution(modelsDir), dataDir: temp.dir });
    openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  it('lists the registered model with its dimension, and the known ones unavailable with how to add them', async () => {
    const models = new Map<string, Record<string, unknown>>();
    for await (const model of openai.models.list()) models.set(model.id, model as unknown as Record<string, unknown>);
    expect(models.get('sentence-transformers/tiny/embedder')).toMatchObject({ custom_metadata: { model_type: 'embedding', embedding_dimension: WIDTH } });
    const nomic = models.get('sentence-transformers/nomic-ai/nomic-embed-text-v1.5');
    expect(nomic).toMatchObject({ custom_metadata: { model_type: 'embedding', embedding_dimension: 768, status: 'unavailable' } });
    expect(String((nomic!.custom_metadata as Record<string, unknown>).error)).toContain(`hf download nomic-ai/nomic-embed-text-v1.5`);
    expect(String((nomic!.custom_metadata as Record<string, unknown>).error)).toContain('cria pull onnx:nomic-ai/nomic-embed-text-v1.5`');
    expect(models.get('sentence-transformers/all-MiniLM-L6-v2')).toMatchObject({ custom_metadata: { embedding_dimension: 384, status: 'unavailable' } });
    expect(models.get('sentence-transformers/absent/embedder')).toMatchObject({ custom_metadata: { status: 'unavailable' } });
  });

  it('embeds one text as sentence-transformers would: mean pooled and normalized', async () => {
    const response = await openai.embeddings.create({ model: 'tiny-embed', input: 'the cat sat on the mat' });
    expect(response.model).toBe('sentence-transformers/tiny/embedder');
    expect(response.data).toHaveLength(1);
    const [vector] = response.data.map((entry) => entry.embedding);
    expect(vector).toHaveLength(WIDTH);
    tinyEmbedding('the cat sat on the mat').forEach((value, dim) => expect(vector![dim]).toBeCloseTo(value, 5));
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 5);
    // [CLS] the cat sat on the mat [SEP]
    expect(response.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
  });

  it('embeds a batch of texts of different lengths (padded together) in order, and as base64', async () => {
    const texts = ['the dog ran', 'the stock market fell today', 'cat', ...Array.from({ length: 20 }, (_, index) => (index % 2 ? 'dog in the park' : 'the mat'))];
    const response = await openai.embeddings.create({ model: 'sentence-transformers/tiny/embedder', input: texts });
    expect(response.data.map((entry) => entry.index)).toEqual(texts.map((_, index) => index));
    response.data.forEach((entry, index) => tinyEmbedding(texts[index]!).forEach((value, dim) => expect(entry.embedding[dim]).toBeCloseTo(value, 5)));
    expect(response.data[0]!.embedding).not.toEqual(response.data[1]!.embedding);

    // Asked for explicitly, the openai client hands base64 over as it came: little-endian float32.
    const encoded = await openai.embeddings.create({ model: 'tiny-embed', input: texts.slice(0, 2), encoding_format: 'base64' });
    encoded.data.forEach((entry, index) => {
      const bytes = Buffer.from(entry.embedding as unknown as string, 'base64');
      const vector = Array.from({ length: bytes.length / 4 }, (_, dim) => bytes.readFloatLE(dim * 4));
      expect(vector).toHaveLength(WIDTH);
      tinyEmbedding(texts[index]!).forEach((value, dim) => expect(vector[dim]).toBeCloseTo(value, 5));
    });
  });

  it('loads an export whose weights are in an external data file (onnx/model.onnx_data)', async () => {
    const response = await openai.embeddings.create({ model: 'external-embed', input: 'the dog ran in the park' });
    tinyEmbedding('the dog ran in the park').forEach((value, dim) => expect(response.data[0]!.embedding[dim]).toBeCloseTo(value, 5));
  });

  it('refuses other dimensions and token input with 400s naming the field', async () => {
    const dimensions = await clientFailure(openai.embeddings.create({ model: 'tiny-embed', input: 'the cat', dimensions: 2 }));
    expect(dimensions.status).toBe(400);
    expect(dimensions.error.param).toBe('dimensions');
    const tokens = await clientFailure(openai.embeddings.create({ model: 'tiny-embed', input: [[4, 5, 6]] }));
    expect(tokens.status).toBe(400);
    expect(tokens.error.param).toBe('input');
  });

  it('answers 503 naming the missing folder and how to add it for a model not downloaded', async () => {
    const known = await clientFailure(openai.embeddings.create({ model: 'sentence-transformers/nomic-ai/nomic-embed-text-v1.5', input: 'hello' }));
    expect(known.status).toBe(503);
    expect(known.error.message).toContain(join(modelsDir, 'nomic-ai', 'nomic-embed-text-v1.5'));
    expect(known.error.message).toContain('hf download nomic-ai/nomic-embed-text-v1.5');
    const registered = await clientFailure(openai.embeddings.create({ model: 'absent-embed', input: 'hello' }));
    expect(registered.status).toBe(503);
    expect(registered.error.message).toContain(join(modelsDir, 'absent', 'embedder'));
  });

  it('refuses chat with a 400', async () => {
    const chat = await clientFailure(openai.chat.completions.create({ model: 'tiny-embed', messages: [{ role: 'user', content: 'hi' }] }));
    expect(chat.status).toBe(400);
  });
});

describe('inline::sentence-transformers with no model present', () => {
  it('starts with the starter config, lists nomic unavailable, and reports health naming what is missing', async () => {
    const temp = temporaryDirectory('cria-sentence-transformers-empty-');
    try {
      const server = await startTestServer({
        distribution: { providers: { inference: [{ provider_id: 'sentence-transformers', provider_type: 'inline::sentence-transformers', config: { trust_remote_code: false } }] } },
        env: { CRIA_MODELS_DIR: join(temp.dir, 'none') },
        dataDir: temp.dir,
      });
      try {
        const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
        const nomic = await openai.models.retrieve('sentence-transformers/nomic-ai/nomic-embed-text-v1.5');
        expect(nomic).toMatchObject({ custom_metadata: { status: 'unavailable' } });
      } finally {
        await server.close();
      }
      const provider = new SentenceTransformersInference({ trust_remote_code: false }, { providerId: 'st', logger: console as never, distributionDir: temp.dir }, { CRIA_MODELS_DIR: join(temp.dir, 'none') });
      const health = await provider.health();
      expect(health.status).toBe('Error');
      expect(health.message).toContain(join(temp.dir, 'none', 'nomic-ai', 'nomic-embed-text-v1.5'));
    } finally {
      temp.remove();
    }
  });

  it('will not start with a registered model outside the models directory', async () => {
    const temp = temporaryDirectory('cria-sentence-transformers-escape-');
    try {
      const started = startTestServer({
        distribution: {
          providers: { inference: [{ provider_id: 'st', provider_type: 'inline::sentence-transformers', config: { models_dir: join(temp.dir, 'models') } }] },
          registered_resources: { models: [{ model_id: 'escape', provider_id: 'st', provider_model_id: '../elsewhere', model_type: 'embedding', metadata: { embedding_dimension: 4 } }] },
        },
        dataDir: temp.dir,
      });
      await expect(started).rejects.toThrow(/leaves the models directory/);
    } finally {
      temp.remove();
    }
  });
});
