import { fileURLToPath } from 'node:url';
import { describeRecordedReplies } from '@cria/testing';

// SambaNova's documented replies (test/recordings): usage with its timing fields, a stream whose
// last chunk has no choices, and a model list with context lengths and pricing.
describeRecordedReplies('remote::sambanova', {
  dir: fileURLToPath(new URL('./recordings', import.meta.url)),
  config: (root) => ({ base_url: `${root}/v1`, api_key: 'sn-test' }),
  listedModels: { 'Meta-Llama-3.1-8B-Instruct': { model_type: 'llm' }, 'E5-Mistral-7B-Instruct': { model_type: 'llm' } },
});
