import { asValue } from 'awilix/browser';
import { describe, expect, it } from 'vitest';
import { type ChatCompletion, defineApi, defineProvider, type InferenceProvider, type ModelRoute, type ModelsApi } from '@cria/api';
import { Catalog } from '../catalog/catalog.js';
import { parseDistribution } from '../distribution/distribution-loader.js';
import { createLogger } from '../logger.js';
import { buildStack } from './stack-build.js';

const logger = createLogger('test', 100);
const unused = async (): Promise<never> => {
  throw new Error('not used');
};

function echo(label: string): InferenceProvider {
  return {
    chatCompletion: async (request) =>
      ({ id: 'c', object: 'chat.completion', created: 0, model: request.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `${label}:${request.model}`, refusal: null } }] }) as ChatCompletion,
    streamChatCompletion: unused,
    completion: unused,
    streamCompletion: unused,
    embeddings: unused,
    listModels: async () => [{ providerModelId: 'm', modelType: 'llm' }],
  };
}

function catalogWith(...specs: Parameters<Catalog['addProviderSpec']>[0][]): Catalog {
  const catalog = new Catalog();
  for (const spec of specs) catalog.addProviderSpec(spec, 'test');
  return catalog;
}

const echoProvider = defineProvider({ api: 'inference', providerType: 'inline::echo', description: 'x', configSchema: { type: 'object' }, create: () => echo('provider') });

const distribution = (yaml: string) =>
  parseDistribution(`version: 2\n${yaml}\nstorage:\n  backends:\n    kv: { type: kv_sqlite, db_path: ':memory:' }\n  stores:\n    metadata: { backend: kv }\n`, { name: 'test' });

describe('buildStack', () => {
  it('builds routers in the container, typed by API, and serves only what the distribution names', async () => {
    const stack = await buildStack(distribution('providers:\n  inference:\n    - { provider_id: e, provider_type: inline::echo }'), { catalog: catalogWith(echoProvider), logger });
    try {
      // The core APIs (models, prompts, conversations, inspect, providers) are served whenever their dependencies are.
      expect([...stack.served.keys()].sort()).toEqual(['conversations', 'inference', 'inspect', 'models', 'prompts', 'providers']);
      const completion = await stack.requireApi('inference').chatCompletion({ model: 'e/m', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]!.message.content).toBe('provider:m');
      expect(completion.model).toBe('e/m');
      expect(stack.api('files')).toBeNull();
      expect(() => stack.requireApi('vector_io')).toThrow(/does not serve the vector_io API/);
    } finally {
      await stack.shutdown();
    }
  });

  it('lets a test replace any registration by name before anything is built', async () => {
    const routed: string[] = [];
    const models: ModelsApi = {
      listModels: async () => ({ object: 'list', data: [] }),
      getModel: unused,
      routeModel: async (model): Promise<ModelRoute> => {
        routed.push(model);
        return { identifier: `custom/${model}`, providerId: 'e', providerResourceId: 'replaced', provider: echo('override') };
      },
    };
    const stack = await buildStack(distribution('providers:\n  inference:\n    - { provider_id: e, provider_type: inline::echo }'), {
      catalog: catalogWith(echoProvider),
      logger,
      overrides: { models: asValue(models) },
    });
    try {
      const completion = await stack.requireApi('inference').chatCompletion({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] });
      expect(routed).toEqual(['anything']);
      expect(completion.choices[0]!.message.content).toBe('override:replaced');
      expect(completion.model).toBe('custom/anything');
    } finally {
      await stack.shutdown();
    }
  });

  it('orders APIs by their dependencies, refuses a cycle, and names a missing dependency', async () => {
    const started: string[] = [];
    const catalog = catalogWith(echoProvider);
    const inspected = defineApi({
      name: 'inspect',
      description: 'x',
      kind: 'core',
      dependencies: ['inference'],
      createRouter: () => ({ health: unused, version: unused, listRoutes: unused, start: async () => void started.push('inspect') }),
    });
    catalog.addApiModule(inspected, 'test');
    const stack = await buildStack(distribution('providers:\n  inference:\n    - { provider_id: e, provider_type: inline::echo }'), { catalog, logger });
    await stack.shutdown();
    expect(started).toEqual(['inspect']);

    const cyclic = catalogWith(echoProvider);
    cyclic.addApiModule(defineApi({ name: 'inspect', description: 'x', kind: 'core', dependencies: ['providers'], createRouter: () => ({ health: unused, version: unused, listRoutes: unused }) }), 'test');
    cyclic.addApiModule(defineApi({ name: 'providers', description: 'x', kind: 'core', dependencies: ['inspect'], createRouter: () => ({ listProviders: unused, getProvider: unused }) }), 'test');
    await expect(buildStack(distribution('providers: {}'), { catalog: cyclic, logger })).rejects.toThrow(/cycle: .*router:(inspect|providers) -> .*router:(providers|inspect)/);

    await expect(buildStack(distribution('providers:\n  vector_io: []'), { catalog: catalogWith(echoProvider), logger })).rejects.toThrow(/the vector_io API needs the inference API: add providers\.inference/);
  });
});
