import { fileURLToPath } from 'node:url';
import { describeRecordedReplies } from '@cria/testing';

// Databricks' documented replies (test/recordings): the workspace's serving endpoints
// (`GET /api/2.0/serving-endpoints`) as the model list, and the chat and embeddings replies of
// model serving's OpenAI-compatible API under `/serving-endpoints`.
describeRecordedReplies('remote::databricks', {
  dir: fileURLToPath(new URL('./recordings', import.meta.url)),
  config: (root) => ({ base_url: `${root}/serving-endpoints`, api_token: 'dapi-test' }),
  listedModels: {
    'databricks-meta-llama-3-3-70b-instruct': { model_type: 'llm' },
    'databricks-gte-large-en': { model_type: 'embedding', embedding_dimension: 1024, context_length: 8192 },
  },
});
