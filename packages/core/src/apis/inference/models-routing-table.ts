import {
  ConfigError,
  type DistributionModel,
  type InferenceProvider,
  InvalidRequestError,
  isCriaError,
  type KvStore,
  type Model,
  type ModelList,
  type ModelResource,
  type ModelRoute,
  type ModelsApi,
  type ModelType,
  NotFoundError,
  type ProviderHandle,
  type ProviderLogger,
  type ProviderModel,
  type ResourceRegistry,
  type RouterLifecycle,
  UnavailableError,
} from '@cria/api';

export interface ModelsRoutingTableOptions {
  /** The distribution's registered models. */
  configured?: readonly DistributionModel[];
  /** Where an earlier release kept listed models (the metadata kv store), to move them into the registry. */
  legacyStore?: Promise<KvStore | null> | KvStore | null;
  refreshIntervalMs?: number;
}

function withArticle(type: ModelType): string {
  return type === 'rerank' ? 'a rerank' : `an ${type}`;
}

/** How long listing a provider's models may take at start-up before the server goes on without them. */
const LIST_TIMEOUT_MS = 10_000;

/** How soon a provider that could not be listed is tried again when a request misses. */
export const LISTING_RETRY_MS = 5_000;

/** Before the registry, listed models were kept under `model:<identifier>` in the metadata kv store. */
const LEGACY_PREFIX = 'model:';

interface LegacyModel {
  identifier: string;
  providerId: string;
  providerResourceId: string;
  modelType: ModelType;
  metadata?: Record<string, unknown>;
  source: 'provider' | 'distribution';
  created?: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The models routing table, as Llama Stack's (src/llama_stack/core/routing_tables/models.py):
 * a registered model is `provider_id/provider_model_id` (provider_model_id defaults to
 * model_id), a listed one `provider_id/provider_resource_id`; the distribution's `model_id`
 * also answers as an alias when it differs. Registering one identifier twice with different
 * fields is refused. Models live in the resource registry; those providers list are fetched in
 * the background at start-up and persisted, so a restart with an unreachable provider still
 * knows them. A request naming `provider_id/x` that nobody registered goes to that provider as
 * `x` (Llama Stack's fallback).
 */
export class ModelsRoutingTable implements ModelsApi, RouterLifecycle {
  private readonly providers = new Map<string, InferenceProvider>();
  private initialListing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Providers whose last listing failed, with when it was tried. */
  readonly failedListings = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    providers: readonly Pick<ProviderHandle<'inference'>, 'providerId' | 'impl'>[],
    private readonly registry: ResourceRegistry,
    private readonly logger: ProviderLogger,
    private readonly options: ModelsRoutingTableOptions = {},
  ) {
    for (const { providerId, impl } of providers) this.providers.set(providerId, impl);
  }

  /**
   * Registers the distribution's models (their providers may check and enrich them), then lists
   * every provider's models in the background.
   */
  async start(): Promise<void> {
    await this.migrateLegacy();
    for (const [index, input] of (this.options.configured ?? []).entries()) await this.registerConfigured(input, `registered_resources.models[${index}]`);
    this.initialListing = this.listAll();
    if ([...this.providers.values()].some((provider) => provider.shouldRefreshModels?.())) {
      this.refreshTimer = setInterval(() => void this.listAll(true), this.options.refreshIntervalMs ?? 300_000);
      this.refreshTimer.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    // A listing under way when the server stops records nothing (the registry's store closes next).
    await this.initialListing;
  }

  // The models API

  async listModels(): Promise<ModelList> {
    await this.initialListing;
    return { object: 'list', data: this.list().map((model) => toModelObject(model, this.unavailableReason(model.identifier))) };
  }

  async getModel(modelId: string): Promise<Model> {
    await this.initialListing;
    const model = this.lookup(modelId);
    if (!model) throw new NotFoundError('model', modelId, `The model '${modelId}' does not exist.`, { code: 'model_not_found', param: 'model_id' });
    return toModelObject(model, this.unavailableReason(model.identifier));
  }

  routeModel(model: string, type: ModelType, operation: string): Promise<ModelRoute> {
    // Every request goes through here: a known model is routed without waiting on anything.
    const known = this.lookup(model);
    if (!known) return this.resolveRoute(model, type, operation);
    try {
      return Promise.resolve(this.routeTo(known, model, type, operation));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Resolves when the start-up listing of provider models has finished (or timed out). */
  whenListed(): Promise<void> {
    return this.initialListing;
  }

  /** A routable model by identifier or alias, without waiting. */
  lookup(id: string): ModelResource | undefined {
    const model = this.registry.get('model', id);
    return model && this.providers.has(model.provider_id) ? model : undefined;
  }

  /** A model by identifier or alias; waits for the start-up listing before giving up. */
  async get(id: string): Promise<ModelResource> {
    let model = this.lookup(id);
    if (!model) {
      await this.initialListing;
      model = this.lookup(id) ?? (await this.retryFailedListings(id));
    }
    if (!model) {
      throw new NotFoundError('model', id, `Model '${id}' not found. Use GET /v1/models to see the models this server routes, or register it in the distribution's registered_resources.models.`, { param: 'model', code: 'model_not_found' });
    }
    return model;
  }

  /**
   * The model to send an operation to: a registered one of `type` (a 400 otherwise), or, for
   * `provider_id/x` that nobody registered, `x` at that provider.
   */
  async route(id: string, type: ModelType, operation: string): Promise<Omit<ModelRoute, 'provider'>> {
    const { provider: _provider, ...routed } = await this.resolveRoute(id, type, operation);
    return routed;
  }

  /** `route`, with the provider, once the start-up listing allows a verdict. */
  private async resolveRoute(id: string, type: ModelType, operation: string): Promise<ModelRoute> {
    let model: ModelResource;
    try {
      model = await this.get(id);
    } catch (error) {
      const fallback = NotFoundError.is(error) ? this.fallback(id) : null;
      if (fallback) return fallback;
      throw error;
    }
    return this.routeTo(model, id, type, operation);
  }

  /** The route to a registered model, checked to be usable for `operation`. */
  private routeTo(model: ModelResource, id: string, type: ModelType, operation: string): ModelRoute {
    const unavailable = this.registry.unavailableReason('model', model.identifier);
    if (unavailable) throw new UnavailableError(`Model '${id}' is unavailable: ${unavailable}`, { code: 'model_unavailable' });
    if (model.model_type !== type) {
      throw new InvalidRequestError(`Model '${id}' is ${withArticle(model.model_type)} model; ${operation} needs ${withArticle(type)} model.`, { param: 'model', code: 'invalid_model_type' });
    }
    return { identifier: model.identifier, providerId: model.provider_id, providerResourceId: model.provider_resource_id, provider: this.provider(model.provider_id) };
  }

  provider(providerId: string): InferenceProvider {
    const provider = this.providers.get(providerId);
    if (!provider) throw new NotFoundError('provider', providerId);
    return provider;
  }

  /** The models routed now (those of enabled providers). */
  list(): ModelResource[] {
    return this.registry.list('model').filter((model) => this.providers.has(model.provider_id));
  }

  /** Why a model cannot serve requests now, or null. */
  unavailableReason(identifier: string): string | null {
    return this.registry.unavailableReason('model', identifier);
  }

  /** Fetches a provider's models and replaces the ones it listed before. */
  async refresh(providerId: string, quiet = false): Promise<void> {
    const provider = this.providers.get(providerId);
    if (!provider?.listModels) return;
    let listed: ProviderModel[] | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      listed = await Promise.race([
        provider.listModels(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${LIST_TIMEOUT_MS / 1000} s`)), LIST_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.failedListings.set(providerId, Date.now());
      (quiet ? this.logger.debug : this.logger.warn)('could not list models; serving the registered ones', { provider_id: providerId, error: (error as Error).message });
      return;
    } finally {
      clearTimeout(timer);
    }
    this.failedListings.delete(providerId);
    if (!listed || this.closed) return;
    const created = nowSeconds();
    await this.registry.refreshFromProvider(
      'model',
      providerId,
      listed.map((entry) => ({
        type: 'model',
        identifier: `${providerId}/${entry.providerModelId}`,
        provider_id: providerId,
        provider_resource_id: entry.providerModelId,
        model_type: entry.modelType,
        metadata: entry.metadata ?? {},
        source: 'listed_from_provider',
        created,
      })),
    );
    for (const entry of listed) {
      const identifier = `${providerId}/${entry.providerModelId}`;
      // A model the distribution registered keeps the verdict of its own registration.
      if (this.registry.get('model', identifier)?.source === 'listed_from_provider') this.registry.setUnavailable('model', identifier, entry.unavailable ?? null);
    }
  }

  /** Llama Stack's fallback: `provider_id/x` names model `x` of an enabled provider. */
  private fallback(id: string): ModelRoute | null {
    const slash = id.indexOf('/');
    if (slash <= 0) return null;
    const providerId = id.slice(0, slash);
    if (!this.providers.has(providerId)) {
      this.logger.warn('Provider not found for model', { provider_id: providerId, model_id: id });
      return null;
    }
    return { identifier: id, providerId, providerResourceId: id.slice(slash + 1), provider: this.provider(providerId) };
  }

  /** A provider that could not be listed (down at start-up, say) is listed again on a miss, at most every few seconds. */
  private async retryFailedListings(id: string): Promise<ModelResource | undefined> {
    const now = Date.now();
    const due = [...this.failedListings].filter(([, triedAt]) => now - triedAt >= LISTING_RETRY_MS).map(([providerId]) => providerId);
    if (due.length === 0) return undefined;
    await Promise.all(due.map((providerId) => this.refresh(providerId, true)));
    return this.lookup(id);
  }

  /** Lists every provider's models; a failure to record them is logged (this runs in the background). */
  private async listAll(quiet = false): Promise<void> {
    try {
      await Promise.all([...this.providers.keys()].map((providerId) => this.refresh(providerId, quiet)));
    } catch (error) {
      this.logger.warn('could not record the listed models', { error: (error as Error).message });
    }
  }

  /** Moves listed models kept by releases before the registry into it. */
  private async migrateLegacy(): Promise<void> {
    const store = await this.options.legacyStore;
    if (!store) return;
    const legacy = await store.valuesInRange<LegacyModel>(LEGACY_PREFIX, `${LEGACY_PREFIX}\uffff`);
    for (const model of legacy) {
      if (model.source !== 'provider' || this.registry.get('model', model.identifier)) continue;
      await this.registry.register({
        type: 'model',
        identifier: model.identifier,
        provider_id: model.providerId,
        provider_resource_id: model.providerResourceId,
        model_type: model.modelType,
        metadata: model.metadata ?? {},
        source: 'listed_from_provider',
        created: model.created ?? nowSeconds(),
      });
    }
    for (const key of await store.keysInRange(LEGACY_PREFIX, `${LEGACY_PREFIX}\uffff`)) await store.delete(key);
    if (legacy.length) this.logger.info('moved the listed models of an earlier release into the registry', { count: legacy.length });
  }

  private async registerConfigured(input: DistributionModel, path: string): Promise<void> {
    let providerId = input.provider_id ?? null;
    if (!providerId) {
      if (this.providers.size !== 1) {
        throw new ConfigError(`${path}.provider_id`, `model '${input.model_id}' needs a provider_id: ${this.providers.size === 0 ? 'no inference provider is enabled' : `the enabled inference providers are ${[...this.providers.keys()].join(', ')}`}`);
      }
      providerId = [...this.providers.keys()][0]!;
    }
    const provider = this.providers.get(providerId);
    if (!provider) {
      this.logger.warn('model skipped: its provider is not enabled', { model_id: input.model_id, provider_id: providerId });
      return;
    }
    const prefix = `${providerId}/`;
    const providerResourceId = input.provider_model_id ?? (input.model_id.startsWith(prefix) ? input.model_id.slice(prefix.length) : input.model_id);
    const identifier = prefix + providerResourceId;
    let model: ProviderModel = { providerModelId: providerResourceId, modelType: input.model_type ?? 'llm', metadata: { ...(input.metadata ?? {}) } };
    let unavailable: string | null = null;
    if (provider.registerModel) {
      try {
        const learned = await provider.registerModel(model);
        if (learned) model = { ...model, ...learned, metadata: { ...model.metadata, ...(learned.metadata ?? {}) } };
      } catch (error) {
        if (!UnavailableError.is(error)) throw error;
        unavailable = error.message;
        this.logger.warn(`model ${identifier} is unavailable: ${error.message}`, { provider_id: providerId });
      }
    }
    if (!unavailable && model.modelType === 'embedding' && model.metadata?.embedding_dimension === undefined) {
      throw new ConfigError(`${path}.metadata.embedding_dimension`, `embedding model '${input.model_id}' needs metadata.embedding_dimension`);
    }
    // What the provider listed last time gives way to the distribution's own registration.
    const replace = this.registry.get('model', identifier)?.source === 'listed_from_provider';
    try {
      await this.registry.register(
        {
          type: 'model',
          identifier,
          provider_id: providerId,
          provider_resource_id: model.providerModelId,
          model_type: model.modelType,
          metadata: model.metadata ?? {},
          source: 'distribution',
          created: nowSeconds(),
          aliases: input.model_id !== identifier ? [input.model_id] : [],
        },
        { persist: false, replace },
      );
    } catch (error) {
      if (isCriaError(error, 'conflict')) throw new ConfigError(`${path}.model_id`, error.message, { cause: error });
      throw error;
    }
    this.registry.setUnavailable('model', identifier, unavailable);
  }
}

/** The wire form of a model: OpenAI's model object and Llama Stack's, in one. */
export function toModelObject(model: ModelResource, unavailable: string | null = null): Model {
  const aliases = model.aliases ?? [];
  return {
    id: model.identifier,
    object: 'model',
    created: model.created,
    owned_by: model.provider_id,
    identifier: model.identifier,
    provider_id: model.provider_id,
    provider_resource_id: model.provider_resource_id,
    type: 'model',
    model_type: model.model_type,
    metadata: model.metadata,
    custom_metadata: {
      model_type: model.model_type,
      provider_id: model.provider_id,
      provider_resource_id: model.provider_resource_id,
      ...(aliases.length ? { aliases } : {}),
      ...model.metadata,
      ...(unavailable ? { status: 'unavailable', error: unavailable } : {}),
    },
  };
}
