import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type DistributionModel, type InferenceProvider, type KvStore, NotFoundError, type ProviderModel, UnavailableError } from '@cria/api';
import { createLogger } from '../../logger.js';
import { KvResourceRegistry } from '../../registry/resource-registry.js';
import { StorageBackends } from '../../storage/storage-backends.js';
import { LISTING_RETRY_MS, ModelsRoutingTable } from './models-routing-table.js';

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

/** A started routing table over `providers`, with a registry in memory or on `kv`. */
async function table(providers: Record<string, InferenceProvider>, configured: DistributionModel[] = [], kv: KvStore | null = null): Promise<ModelsRoutingTable> {
  const registry = new KvResourceRegistry(kv, logger);
  await registry.load();
  const routing = new ModelsRoutingTable(Object.entries(providers).map(([providerId, impl]) => ({ providerId, impl })), registry, logger, { configured, legacyStore: kv });
  await routing.start();
  await routing.whenListed();
  return routing;
}

describe('models routing table', () => {
  it('names models provider_id/provider_model_id as Llama Stack 0.7.1 does, serves the model_id alias, and ids with slashes', async () => {
    const routing = await table({ vllm: listingProvider(() => [{ providerModelId: 'meta-llama/Llama-3.1-8B', modelType: 'llm' }]) }, [
      { model_id: 'llama', provider_id: 'vllm', provider_model_id: 'meta-llama/Llama-3.1-8B' },
      { model_id: 'vllm/other', provider_id: 'vllm' },
    ]);
    expect(routing.list().map((model) => model.identifier).sort()).toEqual(['vllm/meta-llama/Llama-3.1-8B', 'vllm/other']);
    expect((await routing.route('llama', 'llm', 'chat')).providerResourceId).toBe('meta-llama/Llama-3.1-8B');
    expect((await routing.get('vllm/meta-llama/Llama-3.1-8B')).source).toBe('distribution');
    expect((await routing.route('vllm/other', 'llm', 'chat')).providerResourceId).toBe('other');
    await expect(routing.get('llama-3')).rejects.toBeInstanceOf(NotFoundError);
    const listed = await routing.getModel('llama');
    expect(listed).toMatchObject({ id: 'vllm/meta-llama/Llama-3.1-8B', provider_resource_id: 'meta-llama/Llama-3.1-8B', custom_metadata: { aliases: ['llama'] } });
  });

  it('routes provider_id/x that nobody registered to x at that provider, and warns of an unknown provider', async () => {
    const routing = await table({ vllm: listingProvider(() => []) });
    expect(await routing.route('vllm/some/new-model', 'llm', 'chat')).toEqual({ identifier: 'vllm/some/new-model', providerId: 'vllm', providerResourceId: 'some/new-model' });
    await expect(routing.route('ollama/x', 'llm', 'chat')).rejects.toBeInstanceOf(NotFoundError);
    await expect(routing.getModel('vllm/some/new-model')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('uses the only provider when a model names none, and refuses ambiguity and conflicting registrations', async () => {
    const one = await table({ only: listingProvider(() => []) }, [{ model_id: 'm' }]);
    expect((await one.get('m')).identifier).toBe('only/m');
    const two = { a: listingProvider(() => []), b: listingProvider(() => []) };
    await expect(table(two, [{ model_id: 'm' }])).rejects.toThrow(/registered_resources\.models\[0\]\.provider_id: .*a, b/);
    // `m` would name both a/m and b/m.
    await expect(table(two, [{ model_id: 'm', provider_id: 'a' }, { model_id: 'm', provider_id: 'b' }])).rejects.toBeInstanceOf(ConfigError);
    // One upstream model registered twice with different fields (an LLM and an embedding model of
    // one file, say) is refused, as Llama Stack's registry refuses it, rather than one silently replacing the other.
    const twice = [
      { model_id: 'chat', provider_id: 'a', provider_model_id: 'model.gguf' },
      { model_id: 'embed', provider_id: 'a', provider_model_id: 'model.gguf', model_type: 'embedding' as const, metadata: { embedding_dimension: 8 } },
    ];
    await expect(table(two, twice)).rejects.toThrow(/registered_resources\.models\[1\]\.model_id: .*a\/model\.gguf.*conflicting/);
    // The same model under a second name with the same fields is one model with two aliases.
    const same = await table(two, [{ model_id: 'x', provider_id: 'a', provider_model_id: 'up' }, { model_id: 'y', provider_id: 'a', provider_model_id: 'up' }]);
    expect((await same.get('x')).identifier).toBe('a/up');
    expect((await same.get('y')).aliases).toEqual(['x', 'y']);
  });

  it('requires an embedding dimension, which a provider may supply', async () => {
    const routing = await table({ p: listingProvider(() => [], async () => ({ metadata: { embedding_dimension: 384 } })) }, [{ model_id: 'embed', model_type: 'embedding' }]);
    expect((await routing.get('embed')).metadata.embedding_dimension).toBe(384);
    await expect(table({ p: listingProvider(() => []) }, [{ model_id: 'embed', model_type: 'embedding' }])).rejects.toThrow(/metadata\.embedding_dimension/);
  });

  it('lists a model its provider calls unavailable, and answers requests to it with the reason', async () => {
    const unavailable = listingProvider(() => [], async () => {
      throw new UnavailableError('model file not found; run `cria pull hf:x/y`');
    });
    const routing = await table({ local: unavailable }, [{ model_id: 'small', provider_id: 'local' }]);
    expect(routing.unavailableReason('local/small')).toContain('cria pull');
    expect((await routing.listModels()).data[0]!.custom_metadata).toMatchObject({ status: 'unavailable' });
    await expect(routing.route('small', 'llm', 'chat')).rejects.toThrow(/unavailable: model file not found/);
  });

  it('lists a model its provider lists as unavailable, answers 503 for it, and serves it once listed available', async () => {
    let listed: ProviderModel[] = [{ providerModelId: 'embed', modelType: 'embedding', metadata: { embedding_dimension: 8 }, unavailable: 'its folder is missing; download it' }];
    const routing = await table({ local: listingProvider(() => listed) });
    expect((await routing.getModel('local/embed')).custom_metadata).toMatchObject({ status: 'unavailable', error: 'its folder is missing; download it' });
    await expect(routing.route('local/embed', 'embedding', 'embeddings')).rejects.toThrow(/unavailable: its folder is missing/);
    listed = [{ providerModelId: 'embed', modelType: 'embedding', metadata: { embedding_dimension: 8 } }];
    await routing.refresh('local');
    expect(routing.unavailableReason('local/embed')).toBeNull();
    expect((await routing.route('local/embed', 'embedding', 'embeddings')).providerResourceId).toBe('embed');
  });

  it('replaces what a provider listed on refresh, remembers listed models across restarts, and moves an earlier release\'s records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-registry-'));
    const storage = new StorageBackends({ kv: { type: 'kv_sqlite', db_path: join(dir, 'kv.db') } });
    const kv = await storage.kv({ backend: 'kv', namespace: 'registry' });
    // What releases before the registry kept.
    await kv.set('model:p/legacy', { identifier: 'p/legacy', providerId: 'p', providerResourceId: 'legacy', modelType: 'llm', metadata: {}, source: 'provider', aliases: [], created: 1 });
    let listed: ProviderModel[] = [{ providerModelId: 'a', modelType: 'llm' }, { providerModelId: 'b', modelType: 'llm' }];
    const routing = await table({ p: listingProvider(() => listed) }, [], kv);
    expect(await kv.get('model:p/legacy')).toBeUndefined();
    listed = [{ providerModelId: 'b', modelType: 'llm' }, { providerModelId: 'c', modelType: 'llm' }];
    await routing.refresh('p');
    expect(routing.list().map((model) => model.identifier).sort()).toEqual(['p/b', 'p/c']);

    // After a restart with the provider down, the models it listed last are still routed.
    const restarted = await table({ p: listingProvider(() => Promise.reject(new Error('down'))) }, [], kv);
    expect(restarted.list().map((model) => model.identifier).sort()).toEqual(['p/b', 'p/c']);
    // Kept in Llama Stack's registry layout.
    expect(await kv.keysInRange('distributions:registry:v10::', 'distributions:registry:v10::\uffff')).toEqual(['distributions:registry:v10::model:p/b', 'distributions:registry:v10::model:p/c']);
    await storage.close();
  });

  it('moves a model listed by an earlier release into the registry when its provider is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-registry-'));
    const storage = new StorageBackends({ kv: { type: 'kv_sqlite', db_path: join(dir, 'kv.db') } });
    const kv = await storage.kv({ backend: 'kv', namespace: 'registry' });
    await kv.set('model:p/legacy', { identifier: 'p/legacy', providerId: 'p', providerResourceId: 'legacy', modelType: 'llm', metadata: { context_length: 8 }, source: 'provider', aliases: [], created: 1 });
    const routing = await table({ p: listingProvider(() => Promise.reject(new Error('down'))) }, [], kv);
    expect(await routing.getModel('p/legacy')).toMatchObject({ id: 'p/legacy', created: 1, metadata: { context_length: 8 } });
    await storage.close();
  });

  it('lists a provider again on a miss when it could not be listed at start-up', async () => {
    let up = false;
    const routing = await table({ p: listingProvider(() => (up ? [{ providerModelId: 'late', modelType: 'llm' }] : Promise.reject(new Error('down')))) });
    up = true;
    // Retries wait a few seconds between attempts; pretend the last one was long ago.
    routing.failedListings.set('p', Date.now() - LISTING_RETRY_MS);
    expect((await routing.get('p/late')).identifier).toBe('p/late');
  });
});
