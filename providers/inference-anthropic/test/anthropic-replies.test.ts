import { fileURLToPath } from 'node:url';
import { describeRecordedReplies } from '@cria/testing';

// Anthropic's documented replies (test/recordings): its own model list (`GET /v1/models`, paged,
// with display names) and the chat and stream replies of its OpenAI-compatible endpoint.
describeRecordedReplies('remote::anthropic', {
  dir: fileURLToPath(new URL('./recordings', import.meta.url)),
  config: (root) => ({ base_url: `${root}/v1`, api_key: 'sk-ant-test' }),
  listedModels: { 'claude-sonnet-4-20250514': { model_type: 'llm' }, 'claude-3-5-haiku-20241022': { model_type: 'llm' } },
});
