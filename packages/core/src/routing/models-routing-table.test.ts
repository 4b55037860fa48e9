import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type InferenceProvider, NotFoundError, type ProviderModel, UnavailableError } from '@cria/api';
import { createLogger } from '../logger.js';
import { StorageBackends } from '../storage/storage-backends.js';
import { ModelsRoutingTable } from './models-routing-table.js';

const logger = createLogger('test', 100);

/** A provider whose model list the test controls; only what the routing table calls is implemented. */
function listingProvider(models: () => ProviderModel[] | Promise<ProviderModel[]>, register?: InferenceProvider['registerModel']): InferenceProvider {
  const unused = async (): Promise<never> => {
    throw new Error('not used by the routing table');
  };
  return {
    chatCompletion: unused,
    streamChatCompletion: unused,
    completion: unused,
    streamCompletion: unused,
    embeddings: unused,
    listModels: async () => models(),
    ...(register ? { registerModel: register } : {}),
  };
}

describe('models routing table', () => {
  it('names models provider_id/model_id, serves aliases the distribution asks for, and ids with slashes', async () => {
    const table = new ModelsRoutingTable([{ providerId: 'vllm', impl: listingProvider(() => [{ providerModelId: 'meta-llama/Llama-3.1-8B', modelType: 'llm' }]) }], null, logger);
    await table.initialize([{ model_id: 'llama', provider_id: 'vllm', provider_model_id: 'meta-llama/Llama-3.1-8B' }, { model_id: 'vllm/other', provider_id: 'vllm' }]);
    await table.whenListed();
    expect(table.list().map((model) => model.identifier).sort()).toEqual(['vllm/meta-llama/Llama-3.1-8B', 'vllm/other']);
    expect((await table.resolve('llama')).providerResourceId).toBe('meta-llama/Llama-3.1-8B');
    expect((await table.resolve('vllm/meta-llama/Llama-3.1-8B')).source).toBe('distribution');
    expect((await table.resolve('vllm/other')).providerResourceId).toBe('other');
    await expect(table.resolve('llama-3')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('uses the only provider when a model names none, and refuses ambiguity and alias clashes', async () => {
    const one = new ModelsRoutingTable([{ providerId: 'only', impl: listingProvider(() => []) }], null, logger);
    await one.initialize([{ model_id: 'm' }]);
    expect((await one.resolve('m')).identifier).toBe('only/m');
    const two = new ModelsRoutingTable([{ providerId: 'a', impl: listingProvider(() => []) }, { providerId: 'b', impl: listingProvider(() => []) }], null, logger);
    await expect(two.initialize([{ model_id: 'm' }])).rejects.toThrow(/registered_resources\.models\[0\]\.provider_id: .*a, b/);
    const clash = new ModelsRoutingTable([{ providerId: 'a', impl: listingProvider(() => []) }, { providerId: 'b', impl: listingProvider(() => []) }], null, logger);
    await expect(clash.initialize([{ model_id: 'm', provider_id: 'a' }, { model_id: 'm', provider_id: 'b' }])).rejects.toBeInstanceOf(ConfigError);
  });

  it('requires an embedding dimension, which a provider may supply', async () => {
    const table = new ModelsRoutingTable([{ providerId: 'p', impl: listingProvider(() => [], async () => ({ metadata: { embedding_dimension: 384 } })) }], null, logger);
    await table.initialize([{ model_id: 'embed', model_type: 'embedding' }]);
    expect((await table.resolve('embed')).metadata.embedding_dimension).toBe(384);
    const bare = new ModelsRoutingTable([{ providerId: 'p', impl: listingProvider(() => []) }], null, logger);
    await expect(bare.initialize([{ model_id: 'embed', model_type: 'embedding' }])).rejects.toThrow(/metadata\.embedding_dimension/);
  });

  it('lists a model its provider calls unavailable, and answers requests to it with the reason', async () => {
    const table = new ModelsRoutingTable(
      [{ providerId: 'local', impl: listingProvider(() => [], async () => { throw new UnavailableError('model file not found; run `cria pull hf:x/y`'); }) }],
      null,
      logger,
    );
    await table.initialize([{ model_id: 'small', provider_id: 'local' }]);
    expect(table.lookup('small')!.unavailable).toContain('cria pull');
    await expect(table.resolve('small')).rejects.toThrow(/unavailable: model file not found/);
  });

  it('replaces what a provider listed on refresh, and remembers listed models across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-registry-'));
    const storage = new StorageBackends({ kv: { type: 'kv_sqlite', db_path: join(dir, 'kv.db') } });
    const registry = await storage.kv({ backend: 'kv', namespace: 'registry' });
    let listed: ProviderModel[] = [{ providerModelId: 'a', modelType: 'llm' }, { providerModelId: 'b', modelType: 'llm' }];
    const table = new ModelsRoutingTable([{ providerId: 'p', impl: listingProvider(() => listed) }], registry, logger);
    await table.initialize([]);
    await table.whenListed();
    listed = [{ providerModelId: 'b', modelType: 'llm' }, { providerModelId: 'c', modelType: 'llm' }];
    await table.refresh('p');
    expect(table.list().map((model) => model.identifier).sort()).toEqual(['p/b', 'p/c']);

    // After a restart with the provider down, the models it listed last are still routed.
    const restarted = new ModelsRoutingTable([{ providerId: 'p', impl: listingProvider(() => Promise.reject(new Error('down'))) }], registry, logger);
    await restarted.initialize([]);
    await restarted.whenListed();
    expect(restarted.list().map((model) => model.identifier).sort()).toEqual(['p/b', 'p/c']);
    storage.close();
  });

  it('lists a provider again on a miss when it could not be listed at start-up', async () => {
    let up = false;
    const table = new ModelsRoutingTable([{ providerId: 'p', impl: listingProvider(() => (up ? [{ providerModelId: 'late', modelType: 'llm' }] : Promise.reject(new Error('down')))) }], null, logger);
    await table.initialize([]);
    await table.whenListed();
    up = true;
    // Retries wait a few seconds between attempts; pretend the last one was long ago.
    (table as unknown as { failedListings: Map<string, number> }).failedListings.set('p', 0);
    expect((await table.resolve('p/late')).identifier).toBe('p/late');
  });
});
