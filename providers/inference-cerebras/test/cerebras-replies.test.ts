import { fileURLToPath } from 'node:url';
import { describeRecordedReplies } from '@cria/testing';

// Cerebras' documented replies (test/recordings): `time_info` beside usage, in the reply and the
// last chunk of a stream, reaches the client untouched.
describeRecordedReplies('remote::cerebras', {
  dir: fileURLToPath(new URL('./recordings', import.meta.url)),
  config: (root) => ({ base_url: `${root}/v1`, api_key: 'csk-test' }),
  listedModels: { 'llama3.1-8b': { model_type: 'llm' }, 'llama-3.3-70b': { model_type: 'llm' } },
});
