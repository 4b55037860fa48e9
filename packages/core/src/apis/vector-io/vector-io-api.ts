import { ConfigError, defineApi, type SqlStoreRef } from '@cria/api';
import { vectorIoRoutes } from './vector-io-routes.js';
import { VectorIORouter } from './vector-io-router.js';
import { vectorStoresRoutes } from './vector-stores-routes.js';
import { vectorStoresSettings } from './vector-stores-settings.js';
import { VectorStoresTables } from './vector-stores-tables.js';

/**
 * The vector_io API: Llama Stack's chunk insert and query routed to the provider that holds the
 * store, with OpenAI's vector stores on top. It embeds through the inference router, checks
 * embedding models through the models API and reads files through the files router. Each store
 * is a `vector_store` resource of the registry; its OpenAI-level fields, files and batches go to
 * `storage.stores.vector_stores`, else the backend of `storage.stores.inference`.
 */
export const vectorIoApi = defineApi({
  name: 'vector_io',
  description: 'Vector stores (OpenAI\'s API, with file ingestion and search) and Llama Stack\'s chunk insert and query.',
  kind: 'providers',
  dependencies: ['inference', 'models', 'files'],
  // With a file processor served, attached files are read and chunked through it.
  optionalDependencies: ['file_processors'],
  stores: [{ name: 'vector_stores', kind: 'sql', description: 'Vector stores, their files and file batches (`table_name` prefixes the tables).' }],
  createRouter({ providers, deps, config, storeRef, storage, registry, logger, allProviders, gauges }) {
    const own = storeRef('vector_stores') as SqlStoreRef | null;
    const inference = storeRef('inference') as SqlStoreRef | null;
    const reference = own ?? (inference ? { backend: inference.backend, table_name: null } : null);
    if (!reference) {
      throw new ConfigError('storage.stores', 'the vector_io API keeps its vector stores in a SQL store: add storage.stores.vector_stores (e.g. {backend: sql_default, table_name: vector_stores})');
    }
    const prefix = reference.table_name ?? 'vector_stores';
    const resources = config.registered_resources ?? {};
    const router = new VectorIORouter({
      providers,
      tables: new VectorStoresTables(() => storage.sql({ backend: reference.backend, table_name: prefix }), prefix),
      files: deps.files,
      fileProcessors: deps.file_processors ?? null,
      // With every inference provider disabled, embedding fails early with a clear reason.
      inference: allProviders().some((provider) => provider.api === 'inference') ? deps.inference : null,
      models: deps.models,
      registry,
      settings: vectorStoresSettings(config.vector_stores),
      logger,
      registered: [...(resources.vector_stores ?? []), ...(resources.vector_dbs ?? []), ...(config.vector_dbs ?? [])],
    });
    gauges.register({
      name: 'cria_ingestion_queue',
      help: 'Vector store files waiting to be ingested (queued) and being ingested (running).',
      collect: () => {
        const { queued, running } = router.ingestionDepth;
        return [{ labels: { state: 'queued' }, value: queued }, { labels: { state: 'running' }, value: running }];
      },
    });
    return router;
  },
  routes: [...vectorIoRoutes, ...vectorStoresRoutes],
});
