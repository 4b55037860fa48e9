import {
  type DatasetIOProvider,
  type DatasetResource,
  type DatasetRow,
  type FilesApi,
  InvalidRequestError,
  type KvStore,
  type PaginatedResponse,
  type ProviderContext,
  type RequestContext,
  type RowWindow,
} from '@cria/api';
import type { LocalfsDatasetIOConfig } from './localfs-config.js';
import { sourceRows } from './localfs-rows.js';
import { resolveSource } from './localfs-sources.js';

/** Appended rows are kept in chunks, one per append call: `appended:<dataset id>:<10-digit sequence>`. */
const chunkPrefix = (datasetId: string) => `appended:${datasetId}:`;
const chunkKey = (datasetId: string, sequence: number) => `${chunkPrefix(datasetId)}${String(sequence).padStart(10, '0')}`;

/**
 * Takes one page from rows that start at the window's first row: `limit` rows (all when null),
 * then one more to know whether rows follow; the iterator is closed after, so files are released.
 */
export async function takePage(rows: AsyncIterable<DatasetRow>, limit: number | null): Promise<PaginatedResponse> {
  const data: DatasetRow[] = [];
  const iterator = rows[Symbol.asyncIterator]();
  try {
    while (limit === null || data.length < limit) {
      const next = await iterator.next();
      if (next.done) return { data, has_more: false };
      data.push(next.value);
    }
    const after = await iterator.next();
    return { data, has_more: !after.done };
  } finally {
    await iterator.return?.();
  }
}

/**
 * The `inline::localfs` datasetio provider: rows given inline, or read from a file on the server
 * (inside `allowed_dirs`), a `data:` URI or an upload of the Files API, as CSV, JSON Lines, JSON or
 * Parquet; each page read forward from the start of the source, never the whole file. Appended
 * rows follow the source's and are kept in the kv store until the dataset is unregistered.
 */
export class LocalfsDatasetIO implements DatasetIOProvider {
  constructor(
    private readonly config: LocalfsDatasetIOConfig,
    private readonly kv: KvStore,
    private readonly files: FilesApi | null,
    private readonly distributionDir: string,
  ) {}

  static async create(config: LocalfsDatasetIOConfig, context: ProviderContext<{ files?: FilesApi }>): Promise<LocalfsDatasetIO> {
    const kv = await context.storage.kv({ backend: config.kvstore.backend, namespace: config.kvstore.namespace ?? 'datasetio::localfs' });
    return new LocalfsDatasetIO(config, kv, context.deps.files ?? null, context.distributionDir);
  }

  async registerDataset(dataset: DatasetResource): Promise<void> {
    if (dataset.data_source.type === 'uri') await this.resolve(dataset.data_source.uri);
    // Rows left by an earlier dataset of the same id must not show up in this one.
    await this.dropAppended(dataset.identifier);
  }

  async unregisterDataset(dataset: DatasetResource): Promise<void> {
    await this.dropAppended(dataset.identifier);
  }

  async iterrows(dataset: DatasetResource, window: RowWindow, context: RequestContext): Promise<PaginatedResponse> {
    return takePage(this.rows(dataset, window.startIndex, window.limit ?? 100, context), window.limit);
  }

  async appendRows(dataset: DatasetResource, rows: readonly DatasetRow[]): Promise<void> {
    for (const [index, row] of rows.entries()) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new InvalidRequestError('Each row must be a JSON object.', { param: `rows[${index}]` });
    }
    const keys = await this.kv.keysInRange(chunkPrefix(dataset.identifier), `${chunkPrefix(dataset.identifier)}\uffff`);
    const last = keys.at(-1);
    const sequence = last ? Number(last.slice(chunkPrefix(dataset.identifier).length)) + 1 : 0;
    await this.kv.set(chunkKey(dataset.identifier, sequence), rows);
  }

  /** The dataset's rows from `startIndex`: the source's, then the appended ones. */
  private async *rows(dataset: DatasetResource, startIndex: number, batch: number, context: RequestContext): AsyncGenerator<DatasetRow> {
    let skip = startIndex;
    const source = dataset.data_source;
    if (source.type === 'rows') {
      for (const row of source.rows.slice(skip)) yield row;
      skip = Math.max(0, skip - source.rows.length);
    } else {
      const resolved = await this.resolve(source.uri);
      let read = 0;
      for await (const row of sourceRows(resolved, this.files, skip, batch + 1)) {
        if (context.signal.aborted) return;
        read++;
        yield row;
      }
      // The source had fewer rows than `skip` when none were read: count them to skip the rest in the appended rows.
      if (read === 0 && skip > 0) {
        let count = 0;
        for await (const _row of sourceRows(resolved, this.files, 0, 1000)) count++;
        skip = Math.max(0, skip - count);
      } else skip = 0;
    }
    const prefix = chunkPrefix(dataset.identifier);
    for (const key of await this.kv.keysInRange(prefix, `${prefix}\uffff`)) {
      const chunk = (await this.kv.get<DatasetRow[]>(key)) ?? [];
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      for (const row of chunk.slice(skip)) yield row;
      skip = 0;
    }
  }

  private resolve(uri: string) {
    return resolveSource(uri, { allowedDirs: this.config.allowed_dirs ?? [], distributionDir: this.distributionDir, files: this.files });
  }

  private async dropAppended(datasetId: string): Promise<void> {
    const prefix = chunkPrefix(datasetId);
    for (const key of await this.kv.keysInRange(prefix, `${prefix}\uffff`)) await this.kv.delete(key);
  }
}
