import { fileURLToPath } from 'node:url';
import { describeRecordedReplies } from '@cria/testing';

// Gemini's replies (test/recordings): its real model list (recorded by Llama Stack's tests, ids
// prefixed `models/`) and the documented chat, stream and embeddings replies of its
// OpenAI-compatible endpoint; the embeddings reply carries no usage.
describeRecordedReplies('remote::gemini', {
  dir: fileURLToPath(new URL('./recordings', import.meta.url)),
  config: (root) => ({ base_url: `${root}/v1beta/openai/`, api_key: 'gemini-test' }),
  listedModels: {
    'models/gemini-2.5-flash': { model_type: 'llm' },
    'models/gemini-embedding-001': { model_type: 'embedding', embedding_dimension: 3072, context_length: 2048 },
  },
  registeredModels: [{ id: 'models/text-embedding-004', type: 'embedding' }],
});
