import {
  ConfigError,
  InvalidRequestError,
  type InferenceProvider,
  type KvStore,
  type Model,
  type ModelType,
  NotFoundError,
  type DistributionModel,
  type ProviderLogger,
  type ProviderModel,
  UnavailableError,
} from '@cria/api';

/** A model the server routes, with where it came from. */
export interface RoutedModel {
  identifier: string;
  providerId: string;
  providerResourceId: string;
  modelType: ModelType;
  metadata: Record<string, unknown>;
  /** `distribution`: registered_resources; `provider`: listed by the provider. */
  source: 'distribution' | 'provider';
  /** Other names that route here (an unprefixed `model_id` from the distribution). */
  aliases: string[];
  created: number;
  /**
   * Why the model cannot serve requests now (its provider said so at registration: a model file
   * missing, say). Such a model is listed, with this reason, and requests to it get a 503.
   */
  unavailable?: string;
}

const REGISTRY_PREFIX = 'model:';

function withArticle(type: ModelType): string {
  return type === 'rerank' ? 'a rerank' : `an ${type}`;
}

/** How long listing a provider's models may take at start-up before the server goes on without them. */
const LIST_TIMEOUT_MS = 10_000;

/** How soon a provider that could not be listed is tried again when a request misses. */
const LISTING_RETRY_MS = 5_000;

export interface InferenceProviderHandle {
  providerId: string;
  impl: InferenceProvider;
}

/**
 * The models routing table: identifiers `provider_id/provider_model_id` as Llama Stack names
 * them, plus the aliases the distribution asks for. Lookups are one Map read. Models the
 * providers list are fetched in the background at start-up and cached in the registry, so a
 * restart with an unreachable provider still knows its models.
 */
export class ModelsRoutingTable {
  private readonly models = new Map<string, RoutedModel>();
  private readonly aliases = new Map<string, string>();
  private readonly providers = new Map<string, InferenceProvider>();
  private initialListing: Promise<void> = Promise.resolve();
  /** Providers whose last listing failed, with when it was tried. */
  private readonly failedListings = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    providers: readonly InferenceProviderHandle[],
    private readonly registry: KvStore | null,
    private readonly logger: ProviderLogger,
  ) {
    for (const { providerId, impl } of providers) this.providers.set(providerId, impl);
  }

  /**
   * Loads the cached registry, registers the distribution's models (their providers may check
   * and enrich them), then lists every provider's models in the background.
   */
  async initialize(configured: readonly DistributionModel[], refreshIntervalMs = 300_000): Promise<void> {
    if (this.registry) {
      for (const model of await this.registry.valuesInRange<RoutedModel>(REGISTRY_PREFIX, `${REGISTRY_PREFIX}\uffff`)) {
        if (model.source === 'provider' && this.providers.has(model.providerId)) this.put(model);
      }
    }
    for (const [index, input] of configured.entries()) await this.registerConfigured(input, `registered_resources.models[${index}]`);
    this.initialListing = this.listAll();
    if ([...this.providers.values()].some((provider) => provider.shouldRefreshModels?.())) {
      this.refreshTimer = setInterval(() => void this.listAll(true), refreshIntervalMs);
      this.refreshTimer.unref();
    }
  }

  /** Resolves when the start-up listing of provider models has finished (or timed out). */
  whenListed(): Promise<void> {
    return this.initialListing;
  }

  /** A model by identifier or alias, without waiting. */
  lookup(id: string): RoutedModel | undefined {
    return this.models.get(id) ?? this.models.get(this.aliases.get(id) ?? '');
  }

  /** A model by identifier or alias; waits for the start-up listing before giving up. */
  async resolve(id: string): Promise<RoutedModel> {
    let model = this.lookup(id);
    if (!model) {
      await this.initialListing;
      model = this.lookup(id) ?? (await this.retryFailedListings(id));
    }
    if (model?.unavailable) {
      throw new UnavailableError(`Model '${id}' is unavailable: ${model.unavailable}`, { code: 'model_unavailable' });
    }
    if (!model) {
      throw new NotFoundError('model', id, `Model '${id}' not found. Use GET /v1/models to see the models this server routes, or register it in the distribution's registered_resources.models.`, { param: 'model', code: 'model_not_found' });
    }
    return model;
  }

  /** A model that must be of `type` for the operation; a 400 naming the model otherwise. */
  async resolveOfType(id: string, type: ModelType, operation: string): Promise<RoutedModel> {
    const model = await this.resolve(id);
    if (model.modelType !== type) {
      throw new InvalidRequestError(`Model '${id}' is ${withArticle(model.modelType)} model; ${operation} needs ${withArticle(type)} model.`, { param: 'model', code: 'invalid_model_type' });
    }
    return model;
  }

  provider(providerId: string): InferenceProvider {
    const provider = this.providers.get(providerId);
    if (!provider) throw new NotFoundError('provider', providerId);
    return provider;
  }

  list(): RoutedModel[] {
    return [...this.models.values()];
  }

  close(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
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
    if (!listed) return;
    const seen = new Set<string>();
    for (const entry of listed) {
      const identifier = `${providerId}/${entry.providerModelId}`;
      seen.add(identifier);
      const existing = this.models.get(identifier);
      if (existing?.source === 'distribution') continue;
      const model: RoutedModel = {
        identifier,
        providerId,
        providerResourceId: entry.providerModelId,
        modelType: entry.modelType,
        metadata: entry.metadata ?? {},
        source: 'provider',
        aliases: [],
        created: existing?.created ?? Math.floor(Date.now() / 1000),
      };
      this.put(model);
      await this.registry?.set(REGISTRY_PREFIX + identifier, model);
    }
    for (const model of this.list()) {
      if (model.providerId === providerId && model.source === 'provider' && !seen.has(model.identifier)) {
        this.models.delete(model.identifier);
        await this.registry?.delete(REGISTRY_PREFIX + model.identifier);
      }
    }
  }

  /** A provider that could not be listed (down at start-up, say) is listed again on a miss, at most every few seconds. */
  private async retryFailedListings(id: string): Promise<RoutedModel | undefined> {
    const now = Date.now();
    const due = [...this.failedListings].filter(([, triedAt]) => now - triedAt >= LISTING_RETRY_MS).map(([providerId]) => providerId);
    if (due.length === 0) return undefined;
    await Promise.all(due.map((providerId) => this.refresh(providerId, true)));
    return this.lookup(id);
  }

  private async listAll(quiet = false): Promise<void> {
    await Promise.all([...this.providers.keys()].map((providerId) => this.refresh(providerId, quiet)));
  }

  private put(model: RoutedModel): void {
    this.models.set(model.identifier, model);
    for (const alias of model.aliases) this.aliases.set(alias, model.identifier);
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
    let unavailable: string | undefined;
    if (provider.registerModel) {
      try {
        const learned = await provider.registerModel(model);
        if (learned) model = { ...model, ...learned, metadata: { ...model.metadata, ...(learned.metadata ?? {}) } };
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
        unavailable = error.message;
        this.logger.warn(`model ${identifier} is unavailable: ${error.message}`, { provider_id: providerId });
      }
    }
    if (!unavailable && model.modelType === 'embedding' && model.metadata?.embedding_dimension === undefined) {
      throw new ConfigError(`${path}.metadata.embedding_dimension`, `embedding model '${input.model_id}' needs metadata.embedding_dimension`);
    }
    const aliases = input.model_id !== identifier ? [input.model_id] : [];
    for (const alias of aliases) {
      const taken = this.aliases.get(alias) ?? (this.models.has(alias) ? alias : undefined);
      if (taken && taken !== identifier) throw new ConfigError(`${path}.model_id`, `'${alias}' already names model ${taken}`);
    }
    this.put({
      identifier,
      providerId,
      providerResourceId: model.providerModelId,
      modelType: model.modelType,
      metadata: model.metadata ?? {},
      source: 'distribution',
      aliases,
      created: Math.floor(Date.now() / 1000),
      ...(unavailable ? { unavailable } : {}),
    });
  }
}

/** The wire form of a routed model: OpenAI's model object and Llama Stack's, in one. */
export function toModelObject(model: RoutedModel): Model {
  return {
    id: model.identifier,
    object: 'model',
    created: model.created,
    owned_by: model.providerId,
    identifier: model.identifier,
    provider_id: model.providerId,
    provider_resource_id: model.providerResourceId,
    type: 'model',
    model_type: model.modelType,
    metadata: model.metadata,
    custom_metadata: {
      model_type: model.modelType,
      provider_id: model.providerId,
      provider_resource_id: model.providerResourceId,
      ...(model.aliases.length ? { aliases: model.aliases } : {}),
      ...model.metadata,
      ...(model.unavailable ? { status: 'unavailable', error: model.unavailable } : {}),
    },
  };
}
