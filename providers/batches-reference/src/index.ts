import { defineProvider } from '@cria/api';
import { configSchema, type ReferenceBatchesConfig, sampleConfig } from './batches-config.js';
import { ReferenceBatches } from './batches-reference.js';
import { configValidator } from '../generated/config-validator.js';

export type { ReferenceBatchesConfig } from './batches-config.js';
export { ReferenceBatches } from './batches-reference.js';
export { readLines, checkLine, type InputLine } from './batches-input.js';

/** `inline::reference`: OpenAI's Batches API run on the server, as Llama Stack's provider of the same type. */
export default defineProvider<'batches', ReferenceBatchesConfig, 'inference' | 'files', 'models' | 'responses'>({
  api: 'batches',
  providerType: 'inline::reference',
  description: 'OpenAI\'s Batches API: a JSONL file of chat completion, completion, embedding or response requests run in the background through this server\'s routers, results kept as they complete (a restarted server resumes without losing or repeating a line), output and error files in the files API.',
  configSchema,
  configValidator,
  sampleConfig,
  dependencies: ['inference', 'files'],
  optionalDependencies: ['models', 'responses'],
  create: (config, context) => ReferenceBatches.create(config, context),
});
