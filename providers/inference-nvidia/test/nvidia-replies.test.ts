import { fileURLToPath } from 'node:url';
import { describeRecordedReplies } from '@cria/testing';

// NVIDIA NIM's documented replies (test/recordings): its model list (root, parent, permission),
// a chat reply with vLLM's stop_reason and prompt_logprobs, and an embeddings request with
// NVIDIA's `input_type`, which reaches the service as sent.
describeRecordedReplies('remote::nvidia', {
  dir: fileURLToPath(new URL('./recordings', import.meta.url)),
  config: (root) => ({ base_url: `${root}/v1`, api_key: 'nvapi-test' }),
  listedModels: {
    'meta/llama-3.1-8b-instruct': { model_type: 'llm' },
    'nvidia/nv-embedqa-e5-v5': { model_type: 'embedding', embedding_dimension: 512, context_length: 1024 },
  },
});
