import type {
  Dataset,
  DatasetPurpose,
  DataSource,
  ListDatasetsResponse,
  PaginatedResponse,
  RegisterDatasetRequest,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';
import type { RegisteredResource } from '../registry.js';

/** One row of a dataset: column name to value (what iterrows returns and scoring reads). */
export type DatasetRow = Record<string, unknown>;

/**
 * A dataset (Llama Stack's Dataset): `provider_resource_id` is the dataset's id at its provider.
 * Its data source (the reply's `source`) is `data_source`, since `source` is the registry's origin.
 */
export interface DatasetResource extends RegisteredResource {
  type: 'dataset';
  purpose: DatasetPurpose;
  data_source: DataSource;
  metadata: Record<string, unknown>;
}

/** A page of rows asked of a provider: from `startIndex` (0-based), `limit` rows, or all the rest when null. */
export interface RowWindow {
  startIndex: number;
  limit: number | null;
}

/**
 * What a datasetio provider implements (Llama Stack's DatasetIO plus DatasetsProtocolPrivate). The
 * router resolves the dataset through the registry; the provider reads its source. Reading is
 * streamed: a page is read forward from the start of the source to `startIndex`, and reading stops
 * once `limit` rows (and one more, to know `has_more`) are read. A source that cannot be read
 * throws InvalidRequestError naming `source.uri` (or NotFoundError for a missing file id); a
 * remote that fails throws UpstreamError / UpstreamTimeoutError.
 */
export interface DatasetIOProvider {
  /** Checks a dataset before it is registered (can this provider read the source?); throws InvalidRequestError naming the field. */
  registerDataset?(dataset: DatasetResource, context: RequestContext): Promise<void>;
  /** Forgets what the provider keeps for the dataset (appended rows). */
  unregisterDataset?(dataset: DatasetResource): Promise<void>;
  iterrows(dataset: DatasetResource, window: RowWindow, context: RequestContext): Promise<PaginatedResponse>;
  /** Appends rows after the source's; they are kept (they survive a restart) until the dataset is unregistered. */
  appendRows(dataset: DatasetResource, rows: readonly DatasetRow[], context: RequestContext): Promise<void>;
}

/** A query of GET /v1beta/datasetio/iterrows/{dataset_id}. */
export interface IterRowsOptions {
  /** The 0-based index of the first row; 0 when absent. */
  start_index?: number | null;
  /** How many rows; all the rest when absent, null or -1. */
  limit?: number | null;
}

/**
 * The datasets routing table and the datasetio router in one, as other APIs see it (eval and
 * scoring call it). Datasets are `dataset` resources of the shared registry.
 */
export interface DatasetIOApi {
  listDatasets(): Promise<ListDatasetsResponse>;
  /** Throws NotFoundError (param `dataset_id`) when the dataset is not registered. */
  getDataset(datasetId: string): Promise<Dataset>;
  /**
   * Registers a dataset; the provider is `metadata.provider_id`, else the one enabled provider,
   * else inferred from the source as Llama Stack does (`huggingface://` URIs to remote::huggingface,
   * everything else to inline::localfs).
   */
  registerDataset(request: RegisterDatasetRequest, context: RequestContext): Promise<Dataset>;
  unregisterDataset(datasetId: string): Promise<void>;
  /**
   * A page of rows: `{data, has_more}`. The next page starts at `start_index + data.length`.
   * Throws NotFoundError (param `dataset_id`) for an unknown dataset.
   */
  iterrows(datasetId: string, options: IterRowsOptions, context: RequestContext): Promise<PaginatedResponse>;
  /** Every row, in order, read page by page (`pageSize` rows a page, 100 by default); for scoring and eval over a whole dataset. */
  allRows(datasetId: string, context: RequestContext, pageSize?: number): AsyncIterable<DatasetRow>;
  appendRows(datasetId: string, rows: readonly DatasetRow[], context: RequestContext): Promise<void>;
}
