import { ConfigError, type FilesApi, type InferenceApi, type VectorIOProvider } from '@cria/api';
import type { ApiAssembler } from '../stack/stack-apis.js';
import { VectorIORouter } from './vector-io-router.js';
import { vectorStoresSettings } from './vector-stores-settings.js';
import { VectorStoresTables } from './vector-stores-tables.js';

/**
 * The vector_io API: the vector IO router over the providers, with OpenAI's vector stores on top.
 * It embeds through the inference router and reads files through the files router (both built
 * first); its records go to `storage.stores.vector_stores`, else the backend of
 * `storage.stores.inference`.
 */
export const assembleVectorIo: ApiAssembler = async ({ distribution, storage, logger, instances, routers }) => {
  const stores = distribution.storage.stores;
  const reference = stores.vector_stores ?? (stores.inference ? { backend: stores.inference.backend, table_name: null } : null);
  if (!reference) {
    throw new ConfigError('storage.stores', 'the vector_io API keeps its vector stores in a SQL store: add storage.stores.vector_stores (e.g. {backend: sql_default, table_name: vector_stores})');
  }
  const path = stores.vector_stores ? 'storage.stores.vector_stores' : 'storage.stores.inference';
  const prefix = reference.table_name ?? 'vector_stores';
  const sql = await storage.sql({ backend: reference.backend, table_name: prefix }, path);
  const router = new VectorIORouter({
    providers: instances.map((instance) => ({ providerId: instance.providerId, impl: instance.impl as unknown as VectorIOProvider })),
    tables: new VectorStoresTables(sql, prefix),
    files: (routers.get('files') as FilesApi | undefined) ?? null,
    inference: (routers.get('inference') as InferenceApi | undefined) ?? null,
    settings: vectorStoresSettings(distribution.config.vector_stores),
    logger,
  });
  const resources = distribution.config.registered_resources ?? {};
  await router.initialize([...(resources.vector_stores ?? []), ...(resources.vector_dbs ?? []), ...(distribution.config.vector_dbs ?? [])]);
  return { router, close: () => router.close() };
};
