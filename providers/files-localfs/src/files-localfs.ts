import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  resolveConfigPath,
  type FileContent,
  type FileDeleted,
  type FileList,
  type FilePurpose,
  type FilesProvider,
  type FileUpload,
  type ListFilesQuery,
  NotFoundError,
  type OpenAIFile,
  PayloadTooLargeError,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderLogger,
  type RequestContext,
  type SqlRow,
  type SqlStore,
  UnavailableError,
} from '@cria/api';
import type { LocalfsFilesConfig } from './files-localfs-config.js';

/** Ids this provider hands out: `file-` and 32 hex digits; anything else cannot name a stored file. */
const FILE_ID = /^file-[0-9a-f]{1,64}$/;
/** Uploads in flight: renamed to their id once complete, removed at start-up if a crash left them. */
const TEMP_PREFIX = '.upload-';
const TEMP_SUFFIX = '.tmp';
/** setTimeout's limit; a later expiry is checked again when the timer fires. */
const MAX_TIMER_MS = 2_147_483_647;

/** Keeps the last path segment, without control characters or quotes (it lands in Content-Disposition). */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : 'uploaded_file';
}

function notFound(fileId: string): NotFoundError {
  return new NotFoundError('file', fileId, `No such File object: ${fileId}`, { param: 'file_id' });
}

/**
 * `inline::localfs`: each file's bytes in `storage_dir/<file id>`, its metadata in a SQL table.
 * An upload streams into a temporary file, is synced and renamed, and only then gets its metadata
 * row, so a crash or a refused upload never leaves a listed half file.
 */
export class LocalfsFiles implements FilesProvider, ProviderLifecycle {
  readonly maxFileSizeBytes: number;
  private readonly table: string;
  /** Files that expire, by id: expiry in Unix seconds. */
  private readonly expiring = new Map<string, number>();
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Microseconds since the epoch, strictly increasing: the order files are listed in. */
  private lastSequence = 0;

  private constructor(
    private readonly storageDir: string,
    private readonly sql: SqlStore,
    private readonly config: LocalfsFilesConfig,
    private readonly logger: ProviderLogger,
  ) {
    this.maxFileSizeBytes = config.max_file_size_bytes;
    this.table = config.metadata_store.table_name ?? 'files_metadata';
  }

  static async open(config: LocalfsFilesConfig, context: ProviderContext): Promise<LocalfsFiles> {
    const storageDir = resolveConfigPath(config.storage_dir, context.distributionDir);
    await mkdir(storageDir, { recursive: true });
    const sql = await context.storage.sql({ backend: config.metadata_store.backend, table_name: config.metadata_store.table_name ?? 'files_metadata' });
    const files = new LocalfsFiles(storageDir, sql, config, context.logger);
    await files.initialize();
    return files;
  }

  private async initialize(): Promise<void> {
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
    // What a crash can leave: an upload that never finished, or bytes whose metadata row was
    // never written (or was deleted before the bytes). Neither was ever listed.
    for (const entry of await readdir(this.storageDir)) {
      const orphan = (entry.startsWith(TEMP_PREFIX) && entry.endsWith(TEMP_SUFFIX)) || (FILE_ID.test(entry) && !known.has(entry));
      if (!orphan) continue;
      await unlink(join(this.storageDir, entry)).catch(() => undefined);
      this.logger.info('removed a file left by an interrupted upload or delete', { file: entry });
    }
    await this.sweepExpired();
  }

  async uploadFile(upload: FileUpload, context: RequestContext): Promise<OpenAIFile> {
    const id = `file-${randomUUID().replaceAll('-', '')}`;
    const finalPath = join(this.storageDir, id);
    const tempPath = join(this.storageDir, `${TEMP_PREFIX}${id}${TEMP_SUFFIX}`);
    let handle: FileHandle | undefined;
    let renamed = false;
    try {
      handle = await open(tempPath, 'wx');
      let bytes = 0;
      for await (const part of upload.content) {
        if (context.signal.aborted) throw new UnavailableError('The upload was interrupted.');
        bytes += part.byteLength;
        if (bytes > this.maxFileSizeBytes) {
          throw new PayloadTooLargeError(`The file is larger than the limit of ${this.maxFileSizeBytes} bytes.`, { param: 'file', code: 'file_too_large' });
        }
        await handle.write(part);
      }
      const fields = await upload.fields();
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(tempPath, finalPath);
      renamed = true;
      await this.syncDirectory();

      const createdAt = Math.floor(Date.now() / 1000);
      const lifetime = fields.expiresAfterSeconds ?? this.config.ttl_secs;
      const expiresAt = lifetime ? createdAt + lifetime : null;
      this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1000);
      const row: SqlRow = { id, filename: sanitizeFilename(upload.filename), purpose: fields.purpose, bytes, created_at: createdAt, expires_at: expiresAt, sequence: this.lastSequence };
      await this.sql.insert(this.table, row);
      if (expiresAt !== null) {
        this.expiring.set(id, expiresAt);
        this.scheduleExpiry();
      }
      return toFileObject(row);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await unlink(renamed ? finalPath : tempPath).catch(() => undefined);
      throw error;
    }
  }

  async listFiles(query: ListFilesQuery): Promise<FileList> {
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

  async retrieveFile(fileId: string): Promise<OpenAIFile> {
    return toFileObject(await this.row(fileId));
  }

  async deleteFile(fileId: string): Promise<FileDeleted> {
    await this.row(fileId);
    // Metadata first: from here on the file is not listed; bytes left by a crash are removed at start-up.
    await this.sql.delete(this.table, { id: fileId });
    this.expiring.delete(fileId);
    await unlink(join(this.storageDir, fileId)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') this.logger.warn('could not remove the bytes of a deleted file', { file_id: fileId, error: error.message });
    });
    return { id: fileId, object: 'file', deleted: true };
  }

  async retrieveFileContent(fileId: string): Promise<FileContent> {
    const row = await this.row(fileId);
    let handle: FileHandle;
    try {
      handle = await open(join(this.storageDir, fileId), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.logger.warn('the bytes of a file are missing; removing its metadata', { file_id: fileId });
      await this.sql.delete(this.table, { id: fileId });
      throw notFound(fileId);
    }
    return { file: toFileObject(row), stream: handle.createReadStream() };
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      await access(this.storageDir, fsConstants.W_OK);
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: `storage_dir is not writable: ${(error as Error).message}` };
    }
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.expiryTimer);
  }

  private async row(fileId: string): Promise<SqlRow> {
    if (!FILE_ID.test(fileId)) throw notFound(fileId);
    await this.sweepExpired();
    const row = await this.sql.fetchOne(this.table, { id: fileId });
    if (!row) throw notFound(fileId);
    return row;
  }

  /** Removes files past their expiry; cheap when none is due. */
  private async sweepExpired(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    for (const [fileId, expiresAt] of this.expiring) {
      if (expiresAt > now) continue;
      this.expiring.delete(fileId);
      await this.sql.delete(this.table, { id: fileId });
      await unlink(join(this.storageDir, fileId)).catch(() => undefined);
      this.logger.info('file expired', { file_id: fileId });
    }
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    if (this.expiring.size === 0) return;
    const next = Math.min(...this.expiring.values());
    const delay = Math.min(Math.max(next * 1000 - Date.now(), 0) + 1000, MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => void this.sweepExpired().catch((error: Error) => this.logger.warn('expiry sweep failed', { error: error.message })), delay);
    this.expiryTimer.unref();
  }

  /** Makes the rename durable: without it a power cut may forget the directory entry. */
  private async syncDirectory(): Promise<void> {
    let directory: FileHandle | undefined;
    try {
      directory = await open(this.storageDir, 'r');
      await directory.sync();
    } catch {
      // Some filesystems refuse to sync a directory; the rename itself is still atomic.
    } finally {
      await directory?.close().catch(() => undefined);
    }
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
