import { join } from 'node:path';
import { startTestServer, type TestServer, temporaryDirectory, writeTinyModel } from '@cria/testing';

export const CHAT_FILE = 'tiny-chat.gguf';
export const EMBEDDING_FILE = 'tiny-embedding.gguf';
export const MISSING_URI = 'hf:nobody/missing-model-GGUF:Q4_K_M';

export interface LlamaCppFixture {
  server: TestServer;
  modelsDir: string;
  /** Identifiers the server lists. */
  chatModel: string;
  embeddingModel: string;
  missingModel: string;
  close(): Promise<void>;
}

/**
 * A server with `inline::llama-cpp` serving freshly generated tiny models (a chat model and an
 * embedding model in a temporary models directory), plus one registered model that is missing.
 */
export async function startLlamaCppServer(config: Record<string, unknown> = {}): Promise<LlamaCppFixture> {
  const models = temporaryDirectory('cria-llama-models-');
  writeTinyModel({ path: join(models.dir, CHAT_FILE), kind: 'chat' });
  writeTinyModel({ path: join(models.dir, EMBEDDING_FILE), kind: 'embedding' });
  const server = await startTestServer({
    distribution: {
      apis: ['inference', 'models'],
      providers: {
        inference: [
          {
            provider_id: 'llama',
            provider_type: 'inline::llama-cpp',
            config: { models_dir: models.dir, threads: 1, context_size: 2048, parallel_sequences: 4, ...config },
          },
        ],
      },
      registered_resources: {
        models: [
          { model_id: 'tiny-chat', provider_id: 'llama', provider_model_id: CHAT_FILE, model_type: 'llm' },
          { model_id: 'tiny-embedding', provider_id: 'llama', provider_model_id: EMBEDDING_FILE, model_type: 'embedding' },
          { model_id: 'missing', provider_id: 'llama', provider_model_id: MISSING_URI, model_type: 'llm' },
        ],
      },
    },
  });
  return {
    server,
    modelsDir: models.dir,
    chatModel: `llama/${CHAT_FILE}`,
    embeddingModel: `llama/${EMBEDDING_FILE}`,
    missingModel: `llama/${MISSING_URI}`,
    close: async () => {
      await server.close();
      models.remove();
    },
  };
}
