import { describeInferenceContract } from '@cria/testing';
import { startLlamaCppServer } from './llama-cpp-fixture.js';

// The inference contract every provider passes, here with node-llama-cpp running tiny generated models.
describeInferenceContract('inline::llama-cpp', async () => {
  const fixture = await startLlamaCppServer();
  return {
    baseURL: fixture.server.baseURL,
    chatModel: fixture.chatModel,
    embeddingModel: fixture.embeddingModel,
    supports: { logprobs: false },
    close: () => fixture.close(),
  };
});
