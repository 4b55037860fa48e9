import { defineApi, type SqlStoreRef } from '@cria/api';
import { InferenceRouter } from './inference-router.js';
import { inferenceRoutes } from './inference-routes.js';
import { InferenceStore } from './inference-store.js';

/**
 * The inference API: chat completions, completions and embeddings routed to the provider of the
 * model (through the models routing table), and every chat completion kept in the `inference`
 * store (when the distribution has one) for GET /v1/chat/completions.
 */
export const inferenceApi = defineApi({
  name: 'inference',
  description: 'Chat completions, completions, embeddings and rerank, routed to the provider serving the model; stored chat completions.',
  kind: 'providers',
  dependencies: ['models'],
  stores: [{ name: 'inference', kind: 'sql', description: 'Every chat completion with its input messages.' }],
  createRouter({ deps, store, storeRef, logger, gauges }) {
    const reference = storeRef('inference') as SqlStoreRef | null;
    const table = reference?.table_name ?? 'inference_store';
    const writeQueue = reference && 'max_write_queue_size' in reference ? Number(reference.max_write_queue_size) || undefined : undefined;
    const inferenceStore = reference
      ? new InferenceStore(async () => (await store('inference', 'sql'))!, logger, { table, ...(writeQueue ? { maxWriteQueueSize: writeQueue } : {}) })
      : null;
    if (inferenceStore) {
      gauges.register({ name: 'cria_store_write_queue', help: 'Records a store has accepted and not yet committed (its write-behind queue), by store.', collect: () => [{ labels: { store: 'inference' }, value: inferenceStore.writeBehind().records }] });
      gauges.register({ name: 'cria_store_write_lag_seconds', help: 'Age of the oldest record a store has not yet committed, by store.', collect: () => [{ labels: { store: 'inference' }, value: inferenceStore.writeBehind().lagSeconds }] });
    }
    return new InferenceRouter(deps.models, inferenceStore);
  },
  routes: inferenceRoutes,
});
