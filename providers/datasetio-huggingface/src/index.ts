import { defineProvider } from '@cria/api';
import { configSchema, type HuggingfaceDatasetIOConfig, sampleConfig } from './huggingface-config.js';
import { HuggingfaceDatasetIO } from './huggingface-datasetio.js';
import { configValidator } from '../generated/config-validator.js';

export type { HuggingfaceDatasetIOConfig } from './huggingface-config.js';
export { type HubDatasetRef, hubDatasetRef, HuggingfaceDatasetIO, ROWS_PER_REQUEST } from './huggingface-datasetio.js';

export default defineProvider<'datasetio', HuggingfaceDatasetIOConfig>({
  api: 'datasetio',
  providerType: 'remote::huggingface',
  description: 'Datasets of the Hugging Face Hub (huggingface://datasets/<path>?split=...&name=...), read page by page through the datasets-server rows API.',
  configSchema,
  configValidator,
  sampleConfig,
  environment: ['HF_TOKEN'],
  secretConfigKeys: ['api_key'],
  create: (config, context) => HuggingfaceDatasetIO.create(config, context),
});
