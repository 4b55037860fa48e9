import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, temporaryDirectory, writeTinyModel } from '@cria/testing';

const starter = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../distributions/starter.yaml'), 'utf8');

describe('the starter distribution with inline::llama-cpp', () => {
  const models = temporaryDirectory('cria-starter-models-');
  afterAll(() => models.remove());

  it('starts without its models, lists them as unavailable with how to add them, and answers 503', async () => {
    const server = await startTestServer({ distribution: starter, env: { CRIA_MODELS_DIR: models.dir, INFERENCE_MODEL: '', EMBEDDING_MODEL: '' } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const listed = (await client.models.list()).data as unknown as { id: string; model_type: string; custom_metadata: { status?: string; error?: string } }[];
      const chat = listed.find((model) => model.id === 'llama-cpp/hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M')!;
      const embedding = listed.find((model) => model.id === 'llama-cpp/hf:nomic-ai/nomic-embed-text-v1.5-GGUF:Q8_0')!;
      expect(chat.custom_metadata).toMatchObject({ status: 'unavailable' });
      expect(chat.custom_metadata.error).toContain('cria pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M');
      expect(chat.custom_metadata.error).toContain('INFERENCE_MODEL');
      expect(embedding).toMatchObject({ model_type: 'embedding', custom_metadata: { status: 'unavailable' } });
      await expect(client.chat.completions.create({ model: chat.id, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 503 });
      const health = await fetch(`${server.url}/v1/health`);
      expect(health.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('serves the models INFERENCE_MODEL and EMBEDDING_MODEL name', async () => {
    const chatPath = writeTinyModel({ path: join(models.dir, 'chat.gguf') }).path;
    const embeddingPath = writeTinyModel({ path: join(models.dir, 'embedding.gguf'), kind: 'embedding' }).path;
    const server = await startTestServer({ distribution: starter, env: { CRIA_MODELS_DIR: models.dir, INFERENCE_MODEL: chatPath, EMBEDDING_MODEL: 'embedding.gguf', LLAMA_CPP_THREADS: '1', LLAMA_CPP_CONTEXT_SIZE: '512' } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: chatPath, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
      expect(completion.choices[0]!.finish_reason).toBe('length');
      const embedded = await client.embeddings.create({ model: 'embedding.gguf', input: 'hello', encoding_format: 'float' });
      expect(embedded.data[0]!.embedding).toHaveLength(64);
      expect(embeddingPath).toContain('embedding.gguf');
    } finally {
      await server.close();
    }
  });
});
