import type { InferenceProvider } from '@cria/api';
import { ModelsRoutingTable } from '../routing/models-routing-table.js';
import type { ApiAssembler } from '../stack/stack-apis.js';
import { InferenceRouter } from './inference-router.js';
import { InferenceStore } from './inference-store.js';

/** The inference API: the models routing table (with the registry), the inference store and the router. */
export const assembleInference: ApiAssembler = async ({ distribution, storage, logger, instances }) => {
  const registryRef = distribution.storage.stores.metadata;
  const registry = registryRef ? await storage.kv({ backend: registryRef.backend, namespace: registryRef.namespace ?? 'registry' }, 'storage.stores.metadata') : null;
  const modelsRoutingTable = new ModelsRoutingTable(
    instances.map((instance) => ({ providerId: instance.providerId, impl: instance.impl as unknown as InferenceProvider })),
    registry,
    logger,
  );
  await modelsRoutingTable.initialize(distribution.models);
  let inferenceStore: InferenceStore | null = null;
  const storeRef = distribution.storage.stores.inference;
  if (storeRef) {
    const table = storeRef.table_name ?? 'inference_store';
    inferenceStore = new InferenceStore(await storage.sql({ backend: storeRef.backend, table_name: table }, 'storage.stores.inference'), logger, {
      table,
      ...(storeRef.max_write_queue_size ? { maxWriteQueueSize: storeRef.max_write_queue_size } : {}),
    });
    await inferenceStore.initialize();
  }
  return {
    router: new InferenceRouter(modelsRoutingTable, inferenceStore),
    registrations: { modelsRoutingTable, inferenceStore },
    close: async () => {
      modelsRoutingTable.close();
      await inferenceStore?.close();
    },
  };
};
