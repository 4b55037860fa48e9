import {
  InvalidRequestError,
  type SqlRow,
  type SqlStore,
  type SqlWhere,
  type StaticChunkingStrategy,
  type VectorStoreExpiresAfter,
  type VectorStoreFileAttributes,
  type VectorStoreFileLastError,
  type VectorStoreFileStatus,
} from '@cria/api';
import type { TraceCarrier } from '@cria/provider-utils';

/**
 * A vector store's OpenAI-level fields, as the stores table keeps them. Its provider and embedding
 * model are the registry's (its `vector_store` resource); see StoreRouting.
 */
export interface StoreRecord {
  id: string;
  name: string | null;
  description: string | null;
  createdAt: number;
  lastActiveAt: number;
  expiresAfter: VectorStoreExpiresAfter | null;
  /** The user's metadata (the Llama Stack keys are added when shown). */
  metadata: Record<string, string | number | boolean>;
  /** Whether embeddings requests name the dimension (it differs from the model's native one). */
  sendDimensions: boolean;
  /** Creation order (microseconds, strictly increasing). */
  sequence: number;
}

/**
 * Where a store's chunks live and how they are embedded. The registry holds these (the store's
 * `vector_store` resource) and the router reads them from there; the stores table keeps a copy,
 * written once at creation, because its columns are required by the layout of earlier releases
 * and because it is what start-up registers again a store the registry lacks (one an earlier
 * release made, or any store when the distribution has no metadata store to persist the registry).
 */
export interface StoreRouting {
  providerId: string;
  /** The embedding model's identifier in this server's model list. */
  embeddingModel: string;
  embeddingDimension: number;
}

/** A row of the stores table. */
export interface StoreRow {
  record: StoreRecord;
  routing: StoreRouting;
}

/** A file attached to a store. */
export interface FileRecord {
  vectorStoreId: string;
  fileId: string;
  createdAt: number;
  sequence: number;
  status: VectorStoreFileStatus;
  lastError: VectorStoreFileLastError | null;
  attributes: VectorStoreFileAttributes | null;
  chunkingStrategy: StaticChunkingStrategy;
  usageBytes: number;
  filename: string;
  batchId: string | null;
  /**
   * The W3C trace context of the traced request that attached it, so that an ingestion resumed
   * after a restart continues that request's trace.
   */
  traceCarrier: TraceCarrier | null;
}

export interface BatchRecord {
  id: string;
  vectorStoreId: string;
  createdAt: number;
  cancelled: boolean;
  sequence: number;
}

export interface PageQuery {
  limit: number;
  order: 'asc' | 'desc';
  after?: string | undefined;
  before?: string | undefined;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

function fileKey(vectorStoreId: string, fileId: string): string {
  return `${vectorStoreId}/${fileId}`;
}

/**
 * The vector stores service's tables in a SQL store: stores, attached files and file batches
 * (`<prefix>`, `<prefix>_files`, `<prefix>_file_batches`). Chunks are not here: the vector IO
 * providers keep the only copy.
 */
export class VectorStoresTables {
  private readonly stores: string;
  private readonly files: string;
  private readonly batches: string;

  private sqlStore: SqlStore | null = null;

  /** `open` gives the SQL store the tables live in; `initialize` calls it once. */
  constructor(private readonly open: () => Promise<SqlStore>, prefix: string) {
    this.stores = prefix;
    this.files = `${prefix}_files`;
    this.batches = `${prefix}_file_batches`;
  }

  private get sql(): SqlStore {
    if (!this.sqlStore) throw new Error('the vector stores tables are used before initialize()');
    return this.sqlStore;
  }

  async initialize(): Promise<void> {
    this.sqlStore = await this.open();
    await this.sql.createTable(this.stores, {
      id: { type: 'text', primaryKey: true },
      name: 'text',
      description: 'text',
      created_at: { type: 'integer', nullable: false },
      last_active_at: { type: 'integer', nullable: false },
      expires_after: 'json',
      metadata: 'json',
      provider_id: { type: 'text', nullable: false },
      embedding_model: { type: 'text', nullable: false },
      embedding_dimension: { type: 'integer', nullable: false },
      send_dimensions: 'boolean',
      sequence: { type: 'integer', nullable: false },
    });
    await this.sql.createTable(this.files, {
      key: { type: 'text', primaryKey: true },
      vector_store_id: { type: 'text', nullable: false },
      file_id: { type: 'text', nullable: false },
      created_at: { type: 'integer', nullable: false },
      sequence: { type: 'integer', nullable: false },
      status: { type: 'text', nullable: false },
      last_error: 'json',
      attributes: 'json',
      chunking_strategy: 'json',
      usage_bytes: 'integer',
      filename: 'text',
      batch_id: 'text',
      trace_carrier: 'json',
    });
    // Tables an earlier release made lack it.
    await this.sql.addColumnIfMissing(this.files, 'trace_carrier', 'json');
    await this.sql.createTable(this.batches, {
      id: { type: 'text', primaryKey: true },
      vector_store_id: { type: 'text', nullable: false },
      created_at: { type: 'integer', nullable: false },
      cancelled: 'boolean',
      sequence: { type: 'integer', nullable: false },
    });
  }

  // Stores

  async allStores(): Promise<StoreRow[]> {
    return (await this.sql.fetchAll(this.stores, { orderBy: [['sequence', 'asc']] })).rows.map(toStore);
  }

  async insertStore(store: StoreRecord, routing: StoreRouting): Promise<void> {
    await this.sql.insert(this.stores, { ...fromStore(store), provider_id: routing.providerId, embedding_model: routing.embeddingModel, embedding_dimension: routing.embeddingDimension });
  }

  /** Changes a store's OpenAI-level fields (its routing columns stay as created). */
  async updateStore(store: StoreRecord): Promise<void> {
    await this.sql.update(this.stores, fromStore(store), { id: store.id });
  }

  /** Removes a store's row first (so it is gone even if a crash stops the rest), then what hangs off it. */
  async deleteStore(vectorStoreId: string): Promise<void> {
    await this.sql.delete(this.stores, { id: vectorStoreId });
    await this.deleteOrphans(vectorStoreId);
  }

  /** Rows of a store whose own row is gone (a delete a crash interrupted). */
  async deleteOrphans(vectorStoreId: string): Promise<void> {
    await this.sql.delete(this.files, { vector_store_id: vectorStoreId });
    await this.sql.delete(this.batches, { vector_store_id: vectorStoreId });
  }

  // Files

  /** Every attached file of every store (for counts at start-up). */
  async allFiles(): Promise<FileRecord[]> {
    return (await this.sql.fetchAll(this.files, { orderBy: [['sequence', 'asc']] })).rows.map(toFile);
  }

  async file(vectorStoreId: string, fileId: string): Promise<FileRecord | undefined> {
    const row = await this.sql.fetchOne(this.files, { key: fileKey(vectorStoreId, fileId) });
    return row && toFile(row);
  }

  async filesWhere(where: { vectorStoreId: string; batchId?: string; status?: VectorStoreFileStatus }): Promise<FileRecord[]> {
    return (await this.sql.fetchAll(this.files, { where: fileWhere(where), orderBy: [['sequence', 'asc']] })).rows.map(toFile);
  }

  async pageFiles(where: { vectorStoreId: string; batchId?: string; status?: VectorStoreFileStatus }, query: PageQuery): Promise<Page<FileRecord>> {
    const cursor = query.before ?? query.after;
    if (cursor !== undefined && !(await this.sql.fetchOne(this.files, { key: fileKey(where.vectorStoreId, cursor) }))) {
      const param = query.before !== undefined ? 'before' : 'after';
      throw new InvalidRequestError(`No file '${cursor}' in vector store '${where.vectorStoreId}' to page ${param}.`, { param });
    }
    // `before` pages backwards: the rows just before the cursor, fetched nearest first.
    const backwards = query.before !== undefined;
    const order = backwards ? (query.order === 'asc' ? 'desc' : 'asc') : query.order;
    const { rows, hasMore } = await this.sql.fetchAll(this.files, {
      where: fileWhere(where),
      orderBy: [['sequence', order]],
      limit: query.limit,
      ...(cursor !== undefined ? { after: { column: 'key', value: fileKey(where.vectorStoreId, cursor) } } : {}),
    });
    const items = rows.map(toFile);
    return { items: backwards ? items.reverse() : items, hasMore };
  }

  async insertFile(file: FileRecord): Promise<void> {
    await this.sql.insert(this.files, fromFile(file));
  }

  /** Changes a file's row; with `onlyIfStatus`, only while it has that status (returns whether it changed). */
  async updateFile(file: FileRecord, onlyIfStatus?: VectorStoreFileStatus): Promise<boolean> {
    const where: SqlWhere = { key: fileKey(file.vectorStoreId, file.fileId), ...(onlyIfStatus ? { status: onlyIfStatus } : {}) };
    return (await this.sql.update(this.files, fromFile(file), where)) > 0;
  }

  async deleteFile(vectorStoreId: string, fileId: string): Promise<void> {
    await this.sql.delete(this.files, { key: fileKey(vectorStoreId, fileId) });
  }

  // Batches

  async batch(vectorStoreId: string, batchId: string): Promise<BatchRecord | undefined> {
    const row = await this.sql.fetchOne(this.batches, { id: batchId, vector_store_id: vectorStoreId });
    return row && { id: String(row.id), vectorStoreId: String(row.vector_store_id), createdAt: Number(row.created_at), cancelled: row.cancelled === true, sequence: Number(row.sequence) };
  }

  async insertBatch(batch: BatchRecord): Promise<void> {
    await this.sql.insert(this.batches, { id: batch.id, vector_store_id: batch.vectorStoreId, created_at: batch.createdAt, cancelled: batch.cancelled, sequence: batch.sequence });
  }

  async markBatchCancelled(batchId: string): Promise<void> {
    await this.sql.update(this.batches, { cancelled: true }, { id: batchId });
  }
}

function fileWhere(where: { vectorStoreId: string; batchId?: string; status?: VectorStoreFileStatus }): SqlWhere {
  return {
    vector_store_id: where.vectorStoreId,
    ...(where.batchId !== undefined ? { batch_id: where.batchId } : {}),
    ...(where.status !== undefined ? { status: where.status } : {}),
  };
}

function toStore(row: SqlRow): StoreRow {
  return {
    record: {
      id: String(row.id),
      name: (row.name as string | null) ?? null,
      description: (row.description as string | null) ?? null,
      createdAt: Number(row.created_at),
      lastActiveAt: Number(row.last_active_at),
      expiresAfter: (row.expires_after as VectorStoreExpiresAfter | null) ?? null,
      metadata: (row.metadata as StoreRecord['metadata'] | null) ?? {},
      sendDimensions: row.send_dimensions === true,
      sequence: Number(row.sequence),
    },
    routing: { providerId: String(row.provider_id), embeddingModel: String(row.embedding_model), embeddingDimension: Number(row.embedding_dimension) },
  };
}

function fromStore(store: StoreRecord): SqlRow {
  return {
    id: store.id,
    name: store.name,
    description: store.description,
    created_at: store.createdAt,
    last_active_at: store.lastActiveAt,
    expires_after: store.expiresAfter,
    metadata: store.metadata,
    send_dimensions: store.sendDimensions,
    sequence: store.sequence,
  };
}

function toFile(row: SqlRow): FileRecord {
  return {
    vectorStoreId: String(row.vector_store_id),
    fileId: String(row.file_id),
    createdAt: Number(row.created_at),
    sequence: Number(row.sequence),
    status: row.status as VectorStoreFileStatus,
    lastError: (row.last_error as VectorStoreFileLastError | null) ?? null,
    attributes: (row.attributes as VectorStoreFileAttributes | null) ?? null,
    chunkingStrategy: row.chunking_strategy as StaticChunkingStrategy,
    usageBytes: Number(row.usage_bytes ?? 0),
    filename: String(row.filename ?? ''),
    batchId: (row.batch_id as string | null) ?? null,
    traceCarrier: (row.trace_carrier as TraceCarrier | null) ?? null,
  };
}

function fromFile(file: FileRecord): SqlRow {
  return {
    key: fileKey(file.vectorStoreId, file.fileId),
    vector_store_id: file.vectorStoreId,
    file_id: file.fileId,
    created_at: file.createdAt,
    sequence: file.sequence,
    status: file.status,
    last_error: file.lastError,
    attributes: file.attributes,
    chunking_strategy: file.chunkingStrategy,
    usage_bytes: file.usageBytes,
    filename: file.filename,
    batch_id: file.batchId,
    trace_carrier: file.traceCarrier,
  };
}
