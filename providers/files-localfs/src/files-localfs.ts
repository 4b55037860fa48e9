import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  resolveConfigPath,
  type FileContent,
  type FileDeleted,
  type FileList,
  type FilesProvider,
  type FileUpload,
  type ListFilesQuery,
  type OpenAIFile,
  PayloadTooLargeError,
  type ProviderContext,
  type ProviderLifecycle,
  type ProviderLogger,
  type RequestContext,
  type SqlStore,
  UnavailableError,
} from '@cria/api';
import { FILE_ID, fileNotFound, FileMetadataTable } from '@cria/provider-utils';
import type { LocalfsFilesConfig } from './files-localfs-config.js';

export { sanitizeFilename } from '@cria/provider-utils';

/** Uploads in flight: renamed to their id once complete, removed at start-up if a crash left them. */
const TEMP_PREFIX = '.upload-';
const TEMP_SUFFIX = '.tmp';

/**
 * `inline::localfs`: each file's bytes in `storage_dir/<file id>`, its metadata in a SQL table.
 * An upload streams into a temporary file, is synced and renamed, and only then gets its metadata
 * row, so a crash or a refused upload never leaves a listed half file.
 */
export class LocalfsFiles implements FilesProvider, ProviderLifecycle {
  readonly maxFileSizeBytes: number;
  private readonly metadata: FileMetadataTable;

  private constructor(
    private readonly storageDir: string,
    sql: SqlStore,
    private readonly config: LocalfsFilesConfig,
    private readonly logger: ProviderLogger,
  ) {
    this.maxFileSizeBytes = config.max_file_size_bytes;
    this.metadata = new FileMetadataTable(sql, config.metadata_store.table_name ?? 'files_metadata', logger, (fileId) => unlink(join(this.storageDir, fileId)).catch(() => undefined));
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
    const known = await this.metadata.open();
    // What a crash can leave: an upload that never finished, or bytes whose metadata row was
    // never written (or was deleted before the bytes). Neither was ever listed.
    for (const entry of await readdir(this.storageDir)) {
      const orphan = (entry.startsWith(TEMP_PREFIX) && entry.endsWith(TEMP_SUFFIX)) || (FILE_ID.test(entry) && !known.has(entry));
      if (!orphan) continue;
      await unlink(join(this.storageDir, entry)).catch(() => undefined);
      this.logger.info('removed a file left by an interrupted upload or delete', { file: entry });
    }
    await this.metadata.sweepExpired();
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

      return await this.metadata.insert({ id, filename: upload.filename, purpose: fields.purpose, bytes, expiresAfterSeconds: fields.expiresAfterSeconds ?? this.config.ttl_secs });
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await unlink(renamed ? finalPath : tempPath).catch(() => undefined);
      throw error;
    }
  }

  listFiles(query: ListFilesQuery): Promise<FileList> {
    return this.metadata.list(query);
  }

  retrieveFile(fileId: string): Promise<OpenAIFile> {
    return this.metadata.get(fileId);
  }

  async deleteFile(fileId: string): Promise<FileDeleted> {
    await this.metadata.get(fileId);
    // Metadata first: from here on the file is not listed; bytes left by a crash are removed at start-up.
    await this.metadata.remove(fileId);
    await unlink(join(this.storageDir, fileId)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') this.logger.warn('could not remove the bytes of a deleted file', { file_id: fileId, error: error.message });
    });
    return { id: fileId, object: 'file', deleted: true };
  }

  async retrieveFileContent(fileId: string): Promise<FileContent> {
    const file = await this.metadata.get(fileId);
    let handle: FileHandle;
    try {
      handle = await open(join(this.storageDir, fileId), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.logger.warn('the bytes of a file are missing; removing its metadata', { file_id: fileId });
      await this.metadata.remove(fileId);
      throw fileNotFound(fileId);
    }
    return { file, stream: handle.createReadStream() };
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
    this.metadata.close();
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
