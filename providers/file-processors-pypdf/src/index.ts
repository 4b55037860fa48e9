import { defineProvider } from '@cria/api';
import { configSchema, type PyPdfConfig, sampleConfig } from './pypdf-config.js';
import { PyPdfFileProcessor } from './pypdf-file-processor.js';
import { configValidator } from '../generated/config-validator.js';

export type { PyPdfConfig } from './pypdf-config.js';
export { PyPdfFileProcessor } from './pypdf-file-processor.js';

export default defineProvider<'file_processors', PyPdfConfig, never, 'files'>({
  api: 'file_processors',
  providerType: 'inline::pypdf',
  description: 'PDF (text layer) and text files (Markdown, CSV, HTML, JSON, code) to text chunks ready for vector stores, as Llama Stack\'s pypdf processor.',
  configSchema,
  configValidator,
  sampleConfig,
  optionalDependencies: ['files'],
  create: (config, context) => new PyPdfFileProcessor(config, context.deps.files ?? null),
});
