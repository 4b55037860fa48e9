import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, S3Client, type S3ClientConfig, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  AuthenticationError,
  CriaError,
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
  UpstreamError,
} from '@cria/api';
import { DEFAULT_TABLE_NAME, type S3FilesConfig } from './files-s3-config.js';

/** Ids this provider hands out: `file-` and 32 hex digits; anything else cannot name a stored file. */
const FILE_ID = /^file-[0-9a-f]{1,64}$/;
/** setTimeout's limit; a later expiry is checked again when the timer fires. */
const MAX_TIMER_MS = 2_147_483_647;
const PROVIDER = 's3';

function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : 'uploaded_file';
}

function notFound(fileId: string): NotFoundError {
  return new NotFoundError('file', fileId, `No such File object: ${fileId}`, { param: 'file_id' });
}

function s3Code(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

/**
 * `remote::s3`: each file's bytes in one object of `bucket_name` keyed by its id, its metadata in
 * a SQL table. The object is stored first and the metadata row written only once it is, so a
 * failed or refused upload is never listed (and its object is removed). Creation never fails
 * because S3 cannot be reached: `health()` and each request say what is wrong.
 */
export class S3Files implements FilesProvider, ProviderLifecycle {
  readonly maxFileSizeBytes: number;
  private readonly table: string;
  private readonly client: S3Client;
  /** Where S3 is, for messages: the endpoint, or AWS in the region. */
  private readonly location: string;
  /** The bucket check (and creation) in flight or done; cleared on failure so the next request retries. */
  private bucketReady: Promise<void> | undefined;
  private readonly expiring = new Map<string, number>();
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Microseconds since the epoch, strictly increasing: the order files are listed in. */
  private lastSequence = 0;

  private constructor(
    private readonly sql: SqlStore,
    private readonly config: S3FilesConfig,
    private readonly logger: ProviderLogger,
  ) {
    this.maxFileSizeBytes = config.max_file_size_bytes;
    this.table = config.metadata_store.table_name ?? DEFAULT_TABLE_NAME;
    const endpoint = config.endpoint_url || undefined;
    this.location = endpoint ? `the S3 endpoint ${endpoint}` : `AWS S3 in ${config.region}`;
    const clientConfig: S3ClientConfig = { region: config.region, maxAttempts: 2 };
    if (endpoint) {
      // S3-compatible servers address buckets by path and often reject the newer default checksums.
      Object.assign(clientConfig, { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    }
    if (config.aws_access_key_id && config.aws_secret_access_key) {
      clientConfig.credentials = { accessKeyId: config.aws_access_key_id, secretAccessKey: config.aws_secret_access_key };
    }
    this.client = new S3Client(clientConfig);
  }

  static async open(config: S3FilesConfig, context: ProviderContext): Promise<S3Files> {
    const sql = await context.storage.sql({ backend: config.metadata_store.backend, table_name: config.metadata_store.table_name ?? DEFAULT_TABLE_NAME });
    const files = new S3Files(sql, config, context.logger);
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
    for (const row of rows) {
      this.lastSequence = Math.max(this.lastSequence, Number(row.sequence));
      if (row.expires_at !== null && row.expires_at !== undefined) this.expiring.set(String(row.id), Number(row.expires_at));
    }
    await this.ensureBucket().catch((error: Error) => this.logger.warn('S3 is not ready; requests will retry', { error: error.message }));
    await this.sweepExpired();
  }

  async uploadFile(upload: FileUpload, context: RequestContext): Promise<OpenAIFile> {
    await this.ensureBucket();
    const id = `file-${randomUUID().replaceAll('-', '')}`;
    let bytes = 0;
    const limit = this.maxFileSizeBytes;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const part of upload.content) {
        if (context.signal.aborted) throw new UnavailableError('The upload was interrupted.');
        bytes += part.byteLength;
        if (bytes > limit) throw new PayloadTooLargeError(`The file is larger than the limit of ${limit} bytes.`, { param: 'file', code: 'file_too_large' });
        yield part;
      }
    }
    // Multipart for large bodies, one PUT for small ones; a failed multipart upload is aborted.
    const transfer = new Upload({ client: this.client, params: { Bucket: this.config.bucket_name, Key: id, Body: Readable.from(counted()) } });
    try {
      await transfer.done();
    } catch (error) {
      throw error instanceof CriaError || !(error instanceof S3ServiceException || isNetworkFailure(error)) ? error : this.upstreamError('store the file', error);
    }
    try {
      const fields = await upload.fields();
      const createdAt = Math.floor(Date.now() / 1000);
      const expiresAt = fields.expiresAfterSeconds ? createdAt + fields.expiresAfterSeconds : null;
      this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1000);
      const row: SqlRow = { id, filename: sanitizeFilename(upload.filename), purpose: fields.purpose, bytes, created_at: createdAt, expires_at: expiresAt, sequence: this.lastSequence };
      await this.sql.insert(this.table, row);
      if (expiresAt !== null) {
        this.expiring.set(id, expiresAt);
        this.scheduleExpiry();
      }
      return toFileObject(row);
    } catch (error) {
      await this.removeObject(id);
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
    await this.ensureBucket();
    // The object first: a file whose bytes cannot be removed stays listed, so the delete can be retried.
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket_name, Key: fileId }));
    } catch (error) {
      if (s3Code(error) !== 'NoSuchKey') throw this.upstreamError('delete the file', error);
    }
    await this.sql.delete(this.table, { id: fileId });
    this.expiring.delete(fileId);
    return { id: fileId, object: 'file', deleted: true };
  }

  async retrieveFileContent(fileId: string): Promise<FileContent> {
    const row = await this.row(fileId);
    await this.ensureBucket();
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket_name, Key: fileId }));
      if (!(object.Body instanceof Readable)) throw new UpstreamError(PROVIDER, `${this.location} answered GetObject without a body.`);
      return { file: toFileObject(row), stream: object.Body };
    } catch (error) {
      if (s3Code(error) !== 'NoSuchKey') throw error instanceof CriaError ? error : this.upstreamError('read the file', error);
      this.logger.warn('the object of a file is missing; removing its metadata', { file_id: fileId });
      await this.sql.delete(this.table, { id: fileId });
      this.expiring.delete(fileId);
      throw notFound(fileId);
    }
  }

  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    try {
      this.bucketReady = undefined;
      await this.ensureBucket();
      return { status: 'OK' };
    } catch (error) {
      return { status: 'Error', message: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.expiryTimer);
    this.client.destroy();
  }

  /** Checks the bucket once (creating it when `auto_create_bucket` is set); retried after a failure. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.checkBucket().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }

  private async checkBucket(): Promise<void> {
    const bucket = this.config.bucket_name;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      if (status !== 404) throw this.upstreamError(`reach the bucket '${bucket}'`, error);
    }
    if (!this.config.auto_create_bucket) {
      throw new UnavailableError(`The S3 bucket '${bucket}' does not exist at ${this.location}: create it, or set auto_create_bucket: true (S3_AUTO_CREATE_BUCKET=true).`);
    }
    try {
      // us-east-1 is S3's default location and refuses being named as a constraint.
      const location = this.config.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.config.region as never } };
      await this.client.send(new CreateBucketCommand({ Bucket: bucket, ...location }));
      this.logger.info('created the S3 bucket', { bucket });
    } catch (error) {
      if (s3Code(error) !== 'BucketAlreadyOwnedByYou') throw this.upstreamError(`create the bucket '${bucket}'`, error);
    }
  }

  /** An S3 failure as a Cria error: unreachable → 503, bad credentials → 401, anything else S3 answered → 502. */
  private upstreamError(action: string, error: unknown): CriaError {
    if (error instanceof CriaError) return error;
    if (error instanceof S3ServiceException) {
      const status = error.$metadata.httpStatusCode;
      const detail = `${error.name}${error.message && error.message !== error.name && error.message !== 'UnknownError' ? `: ${error.message}` : ''}`;
      if (status === 403 || error.name === 'InvalidAccessKeyId' || error.name === 'SignatureDoesNotMatch') {
        return new AuthenticationError(`${this.location} refused to ${action} (${detail}); check aws_access_key_id and aws_secret_access_key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).`);
      }
      return new UpstreamError(PROVIDER, `Could not ${action} at ${this.location}: ${detail}`, { status: status ?? null });
    }
    const message = (error as Error)?.message ?? String(error);
    if (/credential/i.test(message)) {
      return new AuthenticationError(`No AWS credentials to ${action} at ${this.location}: set aws_access_key_id and aws_secret_access_key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). ${message}`);
    }
    return new UnavailableError(`Could not ${action}: ${this.location} does not answer (${networkCode(error) ?? message}).`);
  }

  private async removeObject(fileId: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket_name, Key: fileId })).catch((error: Error) => {
      this.logger.warn('could not remove the object of a file', { file_id: fileId, error: error.message });
    });
  }

  private async row(fileId: string): Promise<SqlRow> {
    if (!FILE_ID.test(fileId)) throw notFound(fileId);
    await this.sweepExpired();
    const row = await this.sql.fetchOne(this.table, { id: fileId });
    if (!row) throw notFound(fileId);
    return row;
  }

  /** Hides files past their expiry at once; their objects are removed when S3 answers. */
  private async sweepExpired(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    for (const [fileId, expiresAt] of this.expiring) {
      if (expiresAt > now) continue;
      this.expiring.delete(fileId);
      await this.sql.delete(this.table, { id: fileId });
      void this.removeObject(fileId);
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
}

function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isNetworkFailure(error: unknown): boolean {
  return networkCode(error) !== undefined || (error as { $metadata?: unknown })?.$metadata !== undefined;
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
