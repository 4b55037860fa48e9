import { ConfigError, isCriaError, type ProviderLogger, type ResourceRegistry, type ResourceSource, type VectorIOProvider, type VectorStoreResource } from '@cria/api';
import { storeResource, type VectorStoreCatalog } from './vector-stores-catalog.js';
import type { StorePlacement } from './vector-stores-placement.js';
import type { FileRecord, StoreRow, VectorStoresTables } from './vector-stores-tables.js';

const REGISTERED_PATH = 'registered_resources.vector_stores';

export interface VectorStoresStartupOptions {
  catalog: VectorStoreCatalog;
  tables: VectorStoresTables;
  registry: ResourceRegistry;
  providers: ReadonlyMap<string, VectorIOProvider>;
  placement: StorePlacement;
  logger: ProviderLogger;
  /** The distribution's registered vector stores (`vector_stores`, `vector_dbs`). */
  registered: readonly Record<string, unknown>[];
}

function configuredId(entry: Record<string, unknown>, path: string): string {
  const id = entry.vector_store_id ?? entry.vector_db_id;
  if (typeof id !== 'string' || !id) throw new ConfigError(`${path}.vector_store_id`, 'a registered vector store needs a vector_store_id');
  return id;
}

/**
 * Brings the vector stores up: reconciles the registry with the stores table, reopens every store
 * at its provider (marking unavailable in the registry those it cannot), counts their files,
 * creates the distribution's stores that do not exist yet, and answers the files whose ingestion
 * a stop interrupted (of the stores usable now), for the caller to resume.
 *
 * A store the registry lacks is registered from its row: the distribution's own as
 * `distribution` (again at each start), any other as `via_register_api`. That moves the stores of
 * releases before the registry into it, and keeps working when the distribution has no metadata
 * store to persist the registry. A registration whose row is gone is a delete a crash cut short,
 * and is dropped.
 */
export async function startVectorStores(options: VectorStoresStartupOptions): Promise<FileRecord[]> {
  const { catalog, tables, registry, logger } = options;
  await tables.initialize();
  const rows = await tables.allStores();
  const configured = new Set(options.registered.map((entry, index) => configuredId(entry, `${REGISTERED_PATH}[${index}]`)));
  await dropRegistrationsWithoutRows(options, new Set(rows.map((row) => row.record.id)));
  let migrated = 0;
  for (const row of rows) {
    let resource = registry.get('vector_store', row.record.id);
    if (!resource) {
      const source: ResourceSource = configured.has(row.record.id) ? 'distribution' : 'via_register_api';
      resource = await register(registry, row, source);
      if (source === 'via_register_api') migrated++;
    }
    catalog.load(row.record, resource);
    await openAtProvider(options, resource);
  }
  if (migrated) logger.info('registered the vector stores of the stores table the registry lacked', { count: migrated });

  const orphans = new Set<string>();
  const interrupted: FileRecord[] = [];
  for (const file of await tables.allFiles()) {
    catalog.observeSequence(file.sequence);
    const state = catalog.find(file.vectorStoreId);
    if (!state) {
      orphans.add(file.vectorStoreId);
      continue;
    }
    catalog.countFile(state, file);
    if (file.status === 'in_progress') interrupted.push(file);
  }
  for (const vectorStoreId of orphans) await tables.deleteOrphans(vectorStoreId);
  for (const [index, entry] of options.registered.entries()) await createConfigured(options, entry, `${REGISTERED_PATH}[${index}]`);
  return interrupted.filter((file) => !catalog.unavailableReason(file.vectorStoreId));
}

function register(registry: ResourceRegistry, row: StoreRow, source: ResourceSource): Promise<VectorStoreResource> {
  return registry.register<'vector_store'>(storeResource(row.record, row.routing, source), { persist: source !== 'distribution' });
}

async function dropRegistrationsWithoutRows({ registry, logger }: VectorStoresStartupOptions, rowIds: ReadonlySet<string>): Promise<void> {
  for (const resource of registry.list('vector_store')) {
    if (rowIds.has(resource.identifier)) continue;
    logger.warn('dropping the registration of a vector store whose rows are gone (a deletion was interrupted)', { vector_store_id: resource.identifier });
    await registry.unregister('vector_store', resource.identifier);
  }
}

/** Reopens a store at its provider; the registry says why it is unavailable when that fails. */
async function openAtProvider({ providers, registry, logger }: VectorStoresStartupOptions, resource: VectorStoreResource): Promise<void> {
  const provider = providers.get(resource.provider_id);
  let unavailable: string | null = null;
  if (!provider) {
    unavailable = `its vector_io provider '${resource.provider_id}' is not enabled in this distribution`;
  } else {
    try {
      await provider.registerVectorStore({ id: resource.provider_resource_id, embeddingModel: resource.embedding_model, embeddingDimension: resource.embedding_dimension });
    } catch (error) {
      unavailable = `its provider '${resource.provider_id}' could not open it: ${(error as Error).message}`;
    }
  }
  registry.setUnavailable('vector_store', resource.identifier, unavailable);
  if (unavailable) logger.warn(`vector store ${resource.identifier} is unavailable: ${unavailable}`);
}

/** Creates a store the distribution registers, unless it exists (then it stays as it is). */
async function createConfigured({ catalog, placement }: VectorStoresStartupOptions, entry: Record<string, unknown>, path: string): Promise<void> {
  const id = configuredId(entry, path);
  if (catalog.find(id)) return;
  try {
    const providerId = placement.chooseProvider(typeof entry.provider_id === 'string' ? entry.provider_id : undefined);
    const embedding = await placement.embedding(
      typeof entry.embedding_model === 'string' ? entry.embedding_model : undefined,
      typeof entry.embedding_dimension === 'number' ? entry.embedding_dimension : undefined,
    );
    await catalog.add({
      id,
      name: typeof entry.vector_store_name === 'string' ? entry.vector_store_name : id,
      description: null,
      expiresAfter: null,
      metadata: {},
      routing: { providerId, embeddingModel: embedding.embeddingModel, embeddingDimension: embedding.embeddingDimension },
      sendDimensions: embedding.sendDimensions,
      source: 'distribution',
    });
  } catch (error) {
    const param = isCriaError(error) ? error.param : null;
    throw new ConfigError(param ? `${path}.${param}` : path, (error as Error).message, { cause: error });
  }
}
