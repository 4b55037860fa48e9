import { testCatalog } from '@cria/testing';
import { openAICompatProvider, type OpenAICompatPreset } from '../src/index.js';

/**
 * A provider type made with the shared adapter and nothing of any one service: what the
 * adapter's own tests run, so they test the adapter rather than a provider package.
 */
export const TEST_PROVIDER_TYPE = 'remote::openai-compat-test';

const testPreset: OpenAICompatPreset = {
  providerType: TEST_PROVIDER_TYPE,
  description: 'The shared OpenAI-compatible adapter with no preset of its own (tests only).',
  defaultBaseUrl: null,
  providerDataApiKeyField: 'test_api_key',
  apiKeyEnv: null,
  requiresApiKey: false,
  embeddingModels: {},
  downloadImages: false,
  healthPath: 'models',
  sampleConfig: { base_url: 'http://localhost:8000/v1' },
};

/** The catalog of the tests (see testCatalog) with the test provider type added. */
export function adapterTestCatalog(): ReturnType<typeof testCatalog> {
  const catalog = testCatalog();
  catalog.addProviderSpec(openAICompatProvider(testPreset), '@cria/provider-utils (test)');
  return catalog;
}
