import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  type Dataset,
  type DatasetIOApi,
  type DatasetResource,
  type DatasetRow,
  type DistributionDataset,
  type IterRowsOptions,
  InvalidRequestError,
  isCriaError,
  type ListDatasetsResponse,
  NotFoundError,
  type PaginatedResponse,
  type ProviderHandle,
  type RegisterDatasetRequest,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  UnavailableError,
} from '@cria/api';

const nowSeconds = () => Math.floor(Date.now() / 1000);

function toDataset(dataset: DatasetResource): Dataset {
  return {
    identifier: dataset.identifier,
    provider_resource_id: dataset.provider_resource_id,
    provider_id: dataset.provider_id,
    type: 'dataset',
    purpose: dataset.purpose,
    source: dataset.data_source,
    metadata: dataset.metadata,
  };
}

/** A context for start-up work, outside any request. */
const startupContext: RequestContext = { signal: new AbortController().signal, providerData: null };

/**
 * The datasets routing table and the datasetio router in one, as Llama Stack's
 * DatasetsRoutingTable and DatasetIORouter: datasets are `dataset` resources of the registry,
 * read and appended to at their provider.
 */
export class DatasetIORouter implements DatasetIOApi, RouterLifecycle {
  private readonly providers = new Map<string, ProviderHandle<'datasetio'>>();

  constructor(
    providers: readonly ProviderHandle<'datasetio'>[],
    private readonly registry: ResourceRegistry,
    /** The distribution's `registered_resources.datasets` (and the older top-level `datasets`). */
    private readonly configured: readonly DistributionDataset[],
  ) {
    for (const handle of providers) this.providers.set(handle.providerId, handle);
  }

  /** Registers the distribution's datasets (in memory: they follow the file). An empty provider_id skips one, as Llama Stack does. */
  async start(): Promise<void> {
    for (const [index, input] of this.configured.entries()) {
      if (input.provider_id === '' || input.provider_id === '__disabled__') continue;
      const path = `registered_resources.datasets[${index}]`;
      try {
        const providerId = this.providerFor(input.provider_id ?? (input.metadata?.provider_id as string | undefined) ?? null, input.source, 'provider_id');
        const dataset = this.resourceOf(input.dataset_id, providerId, input.purpose, input.source, input.metadata ?? {}, 'distribution');
        await this.providers.get(providerId)!.impl.registerDataset?.(dataset, startupContext);
        await this.registry.register(dataset, { persist: false, replace: this.registry.get('dataset', dataset.identifier)?.source === 'distribution' });
      } catch (error) {
        if (isCriaError(error, 'conflict') || isCriaError(error, 'invalid_request') || isCriaError(error, 'not_found')) throw new ConfigError(path, error.message, { cause: error });
        throw error;
      }
    }
  }

  async listDatasets(): Promise<ListDatasetsResponse> {
    return { data: this.registry.list('dataset').filter((dataset) => this.providers.has(dataset.provider_id)).map(toDataset) };
  }

  async getDataset(datasetId: string): Promise<Dataset> {
    return toDataset(this.dataset(datasetId));
  }

  async registerDataset(request: RegisterDatasetRequest, context: RequestContext): Promise<Dataset> {
    const metadata = request.metadata ?? {};
    const named = typeof metadata.provider_id === 'string' && metadata.provider_id ? metadata.provider_id : null;
    const providerId = this.providerFor(named, request.source, 'metadata.provider_id');
    const dataset = this.resourceOf(request.dataset_id || `dataset-${randomUUID()}`, providerId, request.purpose, request.source, metadata, 'via_register_api');
    await this.providers.get(providerId)!.impl.registerDataset?.(dataset, context);
    return toDataset(await this.registry.register<'dataset'>(dataset));
  }

  async unregisterDataset(datasetId: string): Promise<void> {
    const dataset = this.dataset(datasetId);
    await this.providers.get(dataset.provider_id)?.impl.unregisterDataset?.(dataset);
    await this.registry.unregister('dataset', dataset.identifier);
  }

  async iterrows(datasetId: string, options: IterRowsOptions, context: RequestContext): Promise<PaginatedResponse> {
    const dataset = this.dataset(datasetId);
    const startIndex = options.start_index ?? 0;
    if (!Number.isInteger(startIndex) || startIndex < 0) throw new InvalidRequestError('start_index must be an integer of 0 or more.', { param: 'start_index' });
    const limit = options.limit === undefined || options.limit === null || options.limit === -1 ? null : options.limit;
    if (limit !== null && (!Number.isInteger(limit) || limit < 0)) throw new InvalidRequestError('limit must be a positive integer, or -1 for all rows.', { param: 'limit' });
    return this.providers.get(dataset.provider_id)!.impl.iterrows(dataset, { startIndex, limit }, context);
  }

  async *allRows(datasetId: string, context: RequestContext, pageSize = 100): AsyncIterable<DatasetRow> {
    for (let startIndex = 0; ; ) {
      const page = await this.iterrows(datasetId, { start_index: startIndex, limit: pageSize }, context);
      yield* page.data;
      startIndex += page.data.length;
      if (!page.has_more || page.data.length === 0) return;
    }
  }

  async appendRows(datasetId: string, rows: readonly DatasetRow[], context: RequestContext): Promise<void> {
    const dataset = this.dataset(datasetId);
    if (rows.length === 0) throw new InvalidRequestError('rows must not be empty.', { param: 'rows' });
    await this.providers.get(dataset.provider_id)!.impl.appendRows(dataset, rows, context);
  }

  /**
   * The provider a dataset goes to: the one named, else the only one enabled, else by the source as
   * Llama Stack infers it (huggingface URIs to remote::huggingface, the rest to inline::localfs).
   */
  private providerFor(named: string | null, source: DatasetResource['data_source'], param: string): string {
    const enabled = () => [...this.providers.keys()].join(', ') || 'none';
    if (named) {
      if (!this.providers.has(named)) throw new InvalidRequestError(`Provider '${named}' not found; the datasetio providers are: ${enabled()}.`, { param });
      return named;
    }
    if (this.providers.size === 1) return [...this.providers.keys()][0]!;
    const wanted = source.type === 'uri' && source.uri.startsWith('huggingface') ? 'remote::huggingface' : 'inline::localfs';
    const matching = [...this.providers.values()].filter((handle) => handle.providerType === wanted);
    if (matching.length !== 1) {
      throw new InvalidRequestError(`Name the datasetio provider (${param}): the providers are ${enabled()}.`, { param });
    }
    return matching[0]!.providerId;
  }

  private dataset(datasetId: string): DatasetResource {
    const dataset = this.registry.get('dataset', datasetId);
    if (!dataset || !this.providers.has(dataset.provider_id)) {
      throw new NotFoundError('dataset', datasetId, `Dataset '${datasetId}' not found. Use GET /v1beta/datasets to list the registered datasets.`, { param: 'dataset_id', code: 'dataset_not_found' });
    }
    const reason = this.registry.unavailableReason('dataset', dataset.identifier);
    if (reason) throw new UnavailableError(`Dataset '${dataset.identifier}' is unavailable: ${reason}`, { param: 'dataset_id' });
    return dataset;
  }

  private resourceOf(
    datasetId: string,
    providerId: string,
    purpose: DatasetResource['purpose'],
    dataSource: DatasetResource['data_source'],
    metadata: Record<string, unknown>,
    origin: DatasetResource['source'],
  ): DatasetResource {
    return { type: 'dataset', identifier: datasetId, provider_id: providerId, provider_resource_id: datasetId, purpose, data_source: dataSource, metadata, source: origin, created: nowSeconds() };
  }
}
