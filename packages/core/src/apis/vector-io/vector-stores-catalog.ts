import {
  InvalidRequestError,
  type ListVectorStoresQuery,
  NotFoundError,
  type ProviderLogger,
  type ResourceRegistry,
  type ResourceSource,
  UnavailableError,
  type VectorIOProvider,
  type VectorStoreFileCounts,
  type VectorStoreFileStatus,
  type VectorStoreList,
  type VectorStoreResource,
} from '@cria/api';
import type { EmbeddingTarget } from './vector-io-embedder.js';
import { emptyCounts, isExpired, nowSeconds, storeObject } from './vector-stores-objects.js';
import type { FileRecord, StoreRecord, StoreRouting, VectorStoresTables } from './vector-stores-tables.js';

/**
 * A store in memory: its registry resource (provider, embedding model), its record (the
 * OpenAI-level fields), and its file counts and usage, kept up to date as files change.
 */
export interface StoreState {
  resource: VectorStoreResource;
  record: StoreRecord;
  counts: VectorStoreFileCounts;
  usageBytes: number;
}

/** What a new store is made of. */
export interface NewStore {
  id: string;
  name: string | null;
  description: string | null;
  expiresAfter: StoreRecord['expiresAfter'];
  metadata: StoreRecord['metadata'];
  routing: StoreRouting;
  sendDimensions: boolean;
  /** `via_register_api` for the API's stores, `distribution` for the distribution's. */
  source: ResourceSource;
}

export function storeNotFound(vectorStoreId: string, param = 'vector_store_id'): NotFoundError {
  return new NotFoundError('vector store', vectorStoreId, `Vector store '${vectorStoreId}' not found.`, { param });
}

/** A store's `vector_store` resource: the id at the provider is the store's id. */
export function storeResource(record: StoreRecord, routing: StoreRouting, source: ResourceSource): VectorStoreResource {
  return {
    type: 'vector_store',
    identifier: record.id,
    provider_id: routing.providerId,
    provider_resource_id: record.id,
    embedding_model: routing.embeddingModel,
    embedding_dimension: routing.embeddingDimension,
    vector_store_name: record.name,
    source,
    created: record.createdAt,
  };
}

/** How the store's chunks and queries are embedded. */
export function embeddingTarget(state: StoreState): EmbeddingTarget {
  return { model: state.resource.embedding_model, dimension: state.resource.embedding_dimension, sendDimensions: state.record.sendDimensions };
}

/**
 * The vector stores this server knows. Each is a `vector_store` resource of the one registry
 * (which decides that it exists, where it lives and whether it is usable now) joined with its
 * row of the stores table and its file counts, held here in memory.
 */
export class VectorStoreCatalog {
  private readonly states = new Map<string, StoreState>();
  /** Microseconds since the epoch, strictly increasing: the order stores, files and batches are listed in. */
  private lastSequence = 0;

  constructor(
    private readonly providers: ReadonlyMap<string, VectorIOProvider>,
    private readonly registry: ResourceRegistry,
    private readonly tables: VectorStoresTables,
    private readonly logger: ProviderLogger,
  ) {}

  /** A store the registry has and whose row is loaded; its resource as the registry has it now. */
  find(vectorStoreId: string): StoreState | undefined {
    const resource = this.registry.get('vector_store', vectorStoreId);
    const state = this.states.get(vectorStoreId);
    if (!resource || !state) return undefined;
    state.resource = resource;
    return state;
  }

  /** A known store, usable or not. */
  state(vectorStoreId: string): StoreState {
    const state = this.find(vectorStoreId);
    if (!state) throw storeNotFound(vectorStoreId);
    return state;
  }

  /** A store that can be used now: known, available, and (with `active`) not expired. */
  require(vectorStoreId: string, options: { active?: boolean; param?: string } = {}): StoreState {
    const state = this.find(vectorStoreId);
    if (!state) throw storeNotFound(vectorStoreId, options.param);
    this.provider(state);
    if (options.active && isExpired(state.record)) {
      throw new InvalidRequestError(`Vector store '${vectorStoreId}' has expired.`, { param: 'vector_store_id', code: 'vector_store_expired' });
    }
    return state;
  }

  /** The provider holding the store's chunks (called with `resource.provider_resource_id`); 503 while the store is unavailable. */
  provider(state: StoreState): VectorIOProvider {
    const unavailable = this.unavailableReason(state.record.id);
    if (unavailable) throw new UnavailableError(`Vector store '${state.record.id}' is unavailable: ${unavailable}.`);
    return this.providers.get(state.resource.provider_id)!;
  }

  /** Why a store cannot be used now (its provider is not enabled or failed to open it), or null. */
  unavailableReason(vectorStoreId: string): string | null {
    return this.registry.unavailableReason('vector_store', vectorStoreId);
  }

  /** A page of the stores, in creation order (`desc` by default). */
  page(query: ListVectorStoresQuery): VectorStoreList {
    const order = query.order ?? 'desc';
    let stores = this.registry
      .list('vector_store')
      .flatMap((resource) => this.find(resource.identifier) ?? [])
      .sort((left, right) => (order === 'asc' ? 1 : -1) * (left.record.sequence - right.record.sequence));
    if (query.after !== undefined) stores = stores.slice(cursorIndex(stores, query.after, 'after') + 1);
    if (query.before !== undefined) stores = stores.slice(0, cursorIndex(stores, query.before, 'before'));
    const limit = query.limit ?? 20;
    // Paging backwards (`before`) keeps the stores nearest the cursor.
    const page = query.before !== undefined && query.after === undefined ? stores.slice(-limit) : stores.slice(0, limit);
    const data = page.map((state) => storeObject(state.record, state.resource, state.counts, state.usageBytes));
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: stores.length > limit };
  }

  /** Holds a store loaded at start-up (its resource already registered). */
  load(record: StoreRecord, resource: VectorStoreResource): StoreState {
    this.observeSequence(record.sequence);
    const state: StoreState = { resource, record, counts: emptyCounts(), usageBytes: 0 };
    this.states.set(record.id, state);
    return state;
  }

  /** Creates a store at its provider, writes its row, then registers it (a crash in between leaves a row start-up registers). */
  async add(input: NewStore): Promise<StoreState> {
    const now = nowSeconds();
    const record: StoreRecord = {
      id: input.id,
      name: input.name,
      description: input.description,
      createdAt: now,
      lastActiveAt: now,
      expiresAfter: input.expiresAfter,
      metadata: input.metadata,
      sendDimensions: input.sendDimensions,
      sequence: this.nextSequence(),
    };
    const { routing } = input;
    await this.providers.get(routing.providerId)!.registerVectorStore({ id: record.id, embeddingModel: routing.embeddingModel, embeddingDimension: routing.embeddingDimension });
    await this.tables.insertStore(record, routing);
    // The distribution's stores are registered again at each start, so they follow the file.
    const resource = await this.registry.register<'vector_store'>(storeResource(record, routing, input.source), { persist: input.source !== 'distribution' });
    return this.load(record, resource);
  }

  /** Writes a store's changed record; its name is the resource's `vector_store_name` too. */
  async update(state: StoreState, record: StoreRecord): Promise<void> {
    await this.tables.updateStore(record);
    const { resource } = state;
    if (record.name !== resource.vector_store_name) {
      state.resource = await this.registry.register<'vector_store'>({ ...resource, vector_store_name: record.name }, { replace: true, persist: resource.source !== 'distribution' });
    }
    state.record = record;
  }

  /** Stops serving a store at once (its deletion follows with `remove`). */
  forget(vectorStoreId: string): void {
    this.states.delete(vectorStoreId);
  }

  /**
   * Deletes a store's rows, then its registration, then its chunks at the provider. A crash after
   * the rows leaves a registration start-up drops; the reverse order would bring the store back.
   */
  async remove(state: StoreState): Promise<void> {
    const { resource } = state;
    await this.tables.deleteStore(resource.identifier);
    await this.registry.unregister('vector_store', resource.identifier);
    await this.providers
      .get(resource.provider_id)
      ?.unregisterVectorStore(resource.provider_resource_id)
      .catch((error: Error) => this.logger.warn('the provider could not drop a deleted vector store', { vector_store_id: resource.identifier, error: error.message }));
  }

  /** Marks the store used now (its expiry counts from it). */
  async touch(state: StoreState): Promise<void> {
    const now = nowSeconds();
    if (state.record.lastActiveAt === now || !this.states.has(state.record.id)) return;
    state.record = { ...state.record, lastActiveAt: now };
    await this.tables.updateStore(state.record);
  }

  /** Counts a file loaded at start-up or just attached. */
  countFile(state: StoreState, file: Pick<FileRecord, 'status' | 'usageBytes'>): void {
    state.counts[file.status]++;
    state.counts.total++;
    state.usageBytes += file.usageBytes;
  }

  /** Stops counting a detached file. */
  uncountFile(state: StoreState, file: Pick<FileRecord, 'status' | 'usageBytes'>): void {
    state.counts[file.status]--;
    state.counts.total--;
    state.usageBytes -= file.usageBytes;
  }

  /** Moves a file's count from one status to another (the store may be gone since). */
  recountFile(vectorStoreId: string, from: VectorStoreFileStatus, to: VectorStoreFileStatus, usageDelta: number): void {
    const state = this.states.get(vectorStoreId);
    if (!state) return;
    state.counts[from]--;
    state.counts[to]++;
    state.usageBytes += usageDelta;
  }

  /** Keeps later sequences after one read from the tables. */
  observeSequence(sequence: number): void {
    this.lastSequence = Math.max(this.lastSequence, sequence);
  }

  nextSequence(): number {
    this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1000);
    return this.lastSequence;
  }
}

function cursorIndex(stores: readonly StoreState[], id: string, param: 'after' | 'before'): number {
  const index = stores.findIndex((state) => state.record.id === id);
  if (index === -1) throw new InvalidRequestError(`No vector store '${id}' to page ${param}.`, { param });
  return index;
}
