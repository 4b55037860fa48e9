import type { FileList, FilePurpose, ListFilesQuery, OpenAIFile, ProviderLogger, SqlRow, SqlStore } from '@cria/api';
import { NotFoundError } from '@cria/api';

/** Ids files providers hand out: `file-` and hex digits; anything else cannot name a stored file. */
export const FILE_ID = /^file-[0-9a-f]{1,64}$/;
/** setTimeout's limit; a later expiry is checked again when the timer fires. */
const MAX_TIMER_MS = 2_147_483_647;

/** Keeps the last path segment, without control characters or quotes (it lands in Content-Disposition). */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : 'uploaded_file';
}

/** The Files API's 404 for a file id. */
export function fileNotFound(fileId: string): NotFoundError {
  return new NotFoundError('file', fileId, `No such File object: ${fileId}`, { param: 'file_id' });
}

/** What a provider records of a file whose bytes it has stored. */
export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  /** Seconds the file lives; null or absent: it does not expire. */
  expiresAfterSeconds?: number | null;
}

/**
 * The metadata of a files provider's files in one SQL table: listed in upload order, paged by id,
 * and hidden at their expiry (whose bytes the provider removes in `removeBytes`). Where the bytes
 * live is the provider's business; it writes a row only once they are stored.
 */
export class FileMetadataTable {
  /** Files that expire, by id: expiry in Unix seconds. */
  private readonly expiring = new Map<string, number>();
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Microseconds since the epoch, strictly increasing: the order files are listed in. */
  private lastSequence = 0;

  constructor(
    private readonly sql: SqlStore,
    private readonly table: string,
    private readonly logger: ProviderLogger,
    private readonly removeBytes: (fileId: string) => Promise<void>,
  ) {}

  /** Creates the table if needed and reads it; answers the ids of the files it holds. */
  async open(): Promise<Set<string>> {
    await this.sql.createTable(this.table, {
      id: { type: 'text', primaryKey: true },
      filename: { type: 'text', nullable: false },
      purpose: { type: 'text', nullable: false },
      bytes: { type: 'integer', nullable: false },
      created_at: { type: 'integer', nullable: false },
      expires_at: 'integer',
      sequence: { type: 'integer', nullable: false },
    });
    const { rows } = await this.sql.fetchAll(this.table);
    const known = new Set<string>();
    for (const row of rows) {
      known.add(String(row.id));
      this.lastSequence = Math.max(this.lastSequence, Number(row.sequence));
      if (row.expires_at !== null && row.expires_at !== undefined) this.expiring.set(String(row.id), Number(row.expires_at));
    }
    return known;
  }

  /** Records a file whose bytes are stored: from here on it is listed. */
  async insert(file: StoredFile): Promise<OpenAIFile> {
    const createdAt = Math.floor(Date.now() / 1000);
    const expiresAt = file.expiresAfterSeconds ? createdAt + file.expiresAfterSeconds : null;
    this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1000);
    const row: SqlRow = { id: file.id, filename: sanitizeFilename(file.filename), purpose: file.purpose, bytes: file.bytes, created_at: createdAt, expires_at: expiresAt, sequence: this.lastSequence };
    await this.sql.insert(this.table, row);
    if (expiresAt !== null) {
      this.expiring.set(file.id, expiresAt);
      this.scheduleExpiry();
    }
    return toFileObject(row);
  }

  async list(query: ListFilesQuery): Promise<FileList> {
    await this.sweepExpired();
    const { rows, hasMore } = await this.sql.fetchAll(this.table, {
      where: query.purpose ? { purpose: query.purpose } : {},
      orderBy: [['sequence', query.order ?? 'desc']],
      limit: query.limit ?? 10_000,
      ...(query.after ? { after: { column: 'id', value: query.after } } : {}),
    });
    const data = rows.map(toFileObject);
    return { object: 'list', data, first_id: data[0]?.id ?? '', last_id: data.at(-1)?.id ?? '', has_more: hasMore };
  }

  /** The file, or the Files API's 404 (an unknown id, or one past its expiry). */
  async get(fileId: string): Promise<OpenAIFile> {
    if (!FILE_ID.test(fileId)) throw fileNotFound(fileId);
    await this.sweepExpired();
    const row = await this.sql.fetchOne(this.table, { id: fileId });
    if (!row) throw fileNotFound(fileId);
    return toFileObject(row);
  }

  /** Forgets a file (its bytes are the provider's to remove). */
  async remove(fileId: string): Promise<void> {
    await this.sql.delete(this.table, { id: fileId });
    this.expiring.delete(fileId);
  }

  /** Removes files past their expiry, rows first; cheap when none is due. */
  async sweepExpired(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    for (const [fileId, expiresAt] of this.expiring) {
      if (expiresAt > now) continue;
      this.expiring.delete(fileId);
      await this.sql.delete(this.table, { id: fileId });
      await this.removeBytes(fileId);
      this.logger.info('file expired', { file_id: fileId });
    }
    this.scheduleExpiry();
  }

  close(): void {
    clearTimeout(this.expiryTimer);
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    if (this.expiring.size === 0) return;
    const next = Math.min(...this.expiring.values());
    const delay = Math.min(Math.max(next * 1000 - Date.now(), 0) + 1000, MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => void this.sweepExpired().catch((error: Error) => this.logger.warn('expiry sweep failed', { error: error.message })), delay);
    this.expiryTimer.unref();
  }
}

function toFileObject(row: SqlRow): OpenAIFile {
  return {
    id: String(row.id),
    object: 'file',
    bytes: Number(row.bytes),
    created_at: Number(row.created_at),
    ...(row.expires_at === null || row.expires_at === undefined ? {} : { expires_at: Number(row.expires_at) }),
    filename: String(row.filename),
    purpose: row.purpose as FilePurpose,
    status: 'processed',
  };
}
