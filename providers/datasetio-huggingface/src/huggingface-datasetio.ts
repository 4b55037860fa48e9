import {
  AuthenticationError,
  type DatasetIOProvider,
  type DatasetResource,
  type DatasetRow,
  InvalidRequestError,
  NotFoundError,
  type PaginatedResponse,
  type ProviderContext,
  type RequestContext,
  type RowWindow,
  UnsupportedError,
  UpstreamError,
  UpstreamTimeoutError,
} from '@cria/api';
import type { HuggingfaceDatasetIOConfig } from './huggingface-config.js';

/** The datasets-server gives at most this many rows a request. */
export const ROWS_PER_REQUEST = 100;

/** Which rows of the Hub a dataset reads: its repository, config (subset) and split. */
export interface HubDatasetRef {
  path: string;
  config: string | null;
  split: string;
}

/**
 * The Hub dataset a registered dataset names, as Llama Stack reads it: the path of
 * `huggingface://datasets/<owner>/<name>?split=train&name=<config>` (the query's `config` too), or
 * metadata's `path`, `split` and `name` when the URI has no path. The split defaults to `train`.
 */
export function hubDatasetRef(dataset: DatasetResource): HubDatasetRef {
  const source = dataset.data_source;
  if (source.type !== 'uri') throw new InvalidRequestError('remote::huggingface reads datasets of the Hub: give source {type: "uri", uri: "huggingface://datasets/<path>?split=..."}.', { param: 'source' });
  let url: URL;
  try {
    url = new URL(source.uri);
  } catch {
    throw new InvalidRequestError(`'${source.uri}' is not a URI.`, { param: 'source.uri' });
  }
  if (url.protocol !== 'huggingface:') throw new InvalidRequestError(`remote::huggingface reads huggingface:// URIs, not '${url.protocol}//'.`, { param: 'source.uri' });
  const fromUri = decodeURIComponent(`${url.host === 'datasets' ? '' : url.host}${url.pathname}`).replace(/^\/+|\/+$/g, '');
  const metadata = dataset.metadata;
  const path = fromUri || (typeof metadata.path === 'string' ? metadata.path : '');
  if (!path) throw new InvalidRequestError('Name the Hub dataset: huggingface://datasets/<owner>/<name>.', { param: 'source.uri' });
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  return {
    path,
    config: text(url.searchParams.get('name')) ?? text(url.searchParams.get('config')) ?? text(metadata.name),
    split: text(url.searchParams.get('split')) ?? text(metadata.split) ?? 'train',
  };
}

interface RowsReply {
  rows: { row_idx: number; row: DatasetRow; truncated_cells?: string[] }[];
  num_rows_total: number;
}

interface SplitsReply {
  splits: { dataset: string; config: string; split: string }[];
}

/**
 * The `remote::huggingface` datasetio provider: rows of a Hub dataset through the datasets-server
 * (`/rows`, at most 100 a request, paged), the config found with `/splits` when the URI names none.
 * Appending rows is not supported (Llama Stack pushes to the Hub with the `datasets` library).
 */
export class HuggingfaceDatasetIO implements DatasetIOProvider {
  private readonly baseUrl: string;
  private readonly configs = new Map<string, string>();

  constructor(
    private readonly config: HuggingfaceDatasetIOConfig,
    private readonly providerId: string,
    private readonly token: string | null,
  ) {
    this.baseUrl = config.base_url.replace(/\/+$/, '');
  }

  static create(config: HuggingfaceDatasetIOConfig, context: ProviderContext): HuggingfaceDatasetIO {
    return new HuggingfaceDatasetIO(config, context.providerId, config.api_key || process.env.HF_TOKEN || null);
  }

  /** Whether the datasets-server answers (its `/healthcheck`), within 5 s. */
  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      const response = await fetch(`${this.baseUrl}/healthcheck`, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return response.ok ? { status: 'OK' } : { status: 'Error', message: `${this.baseUrl}/healthcheck answered ${response.status}` };
    } catch (error) {
      return { status: 'Error', message: `${this.baseUrl} does not answer: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}` };
    }
  }

  async registerDataset(dataset: DatasetResource, context: RequestContext): Promise<void> {
    const ref = hubDatasetRef(dataset);
    await this.configOf(ref, context);
  }

  async iterrows(dataset: DatasetResource, window: RowWindow, context: RequestContext): Promise<PaginatedResponse> {
    const ref = hubDatasetRef(dataset);
    const config = await this.configOf(ref, context);
    const data: DatasetRow[] = [];
    let offset = window.startIndex;
    let total = Number.POSITIVE_INFINITY;
    while (offset < total && (window.limit === null || data.length < window.limit)) {
      const length = Math.min(ROWS_PER_REQUEST, window.limit === null ? ROWS_PER_REQUEST : window.limit - data.length);
      const reply = await this.get<RowsReply>('/rows', { dataset: ref.path, config, split: ref.split, offset: String(offset), length: String(length) }, context);
      total = reply.num_rows_total;
      for (const entry of reply.rows) data.push(entry.row);
      if (reply.rows.length === 0) break;
      offset += reply.rows.length;
    }
    return { data, has_more: window.startIndex + data.length < total };
  }

  async appendRows(): Promise<void> {
    throw new UnsupportedError('remote::huggingface datasets are read-only here: appending rows to a Hub dataset is not supported. Register the rows with inline::localfs instead.', { param: 'dataset_id' });
  }

  /** The config to read: the one named, else the first that has the split. */
  private async configOf(ref: HubDatasetRef, context: RequestContext): Promise<string> {
    if (ref.config) return ref.config;
    const key = `${ref.path}\n${ref.split}`;
    const known = this.configs.get(key);
    if (known) return known;
    const reply = await this.get<SplitsReply>('/splits', { dataset: ref.path }, context);
    const match = reply.splits.find((entry) => entry.split === ref.split);
    if (!match) {
      throw new InvalidRequestError(`The Hub dataset '${ref.path}' has no split '${ref.split}' (it has: ${[...new Set(reply.splits.map((entry) => entry.split))].join(', ') || 'none'}).`, { param: 'source.uri' });
    }
    this.configs.set(key, match.config);
    return match.config;
  }

  private async get<T>(path: string, query: Record<string, string>, context: RequestContext): Promise<T> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(query)}`;
    const timeout = AbortSignal.timeout(this.config.timeout_seconds * 1000);
    let response: Response;
    try {
      response = await fetch(url, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, signal: AbortSignal.any([context.signal, timeout]) });
    } catch (error) {
      if (timeout.aborted && !context.signal.aborted) throw new UpstreamTimeoutError(this.providerId, `The Hugging Face datasets-server did not answer within ${this.config.timeout_seconds} s.`, { cause: error });
      throw new UpstreamError(this.providerId, `The Hugging Face datasets-server cannot be reached: ${(error as Error).message}`, { cause: error });
    }
    const body = await response.text();
    if (response.ok) return JSON.parse(body) as T;
    const message = (() => {
      try {
        return String((JSON.parse(body) as { error?: unknown }).error ?? body);
      } catch {
        return body.slice(0, 500);
      }
    })();
    if (response.status === 401 || response.status === 403) {
      throw new AuthenticationError(`The Hugging Face datasets-server refused the request (${response.status}): ${message}. Set api_key or HF_TOKEN to a token that can read '${query.dataset}'.`);
    }
    if (response.status === 404) throw new NotFoundError('dataset', query.dataset ?? '', `The Hugging Face datasets-server does not know '${query.dataset}' (${message}).`, { param: 'source.uri' });
    throw new UpstreamError(this.providerId, `The Hugging Face datasets-server answered ${response.status}: ${message}`, { status: response.status });
  }
}
