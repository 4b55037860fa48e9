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
  UpstreamError,
} from '@cria/api';
import { fileNotFound, FileMetadataTable } from '@cria/provider-utils';
import { DEFAULT_TABLE_NAME, type S3FilesConfig } from './files-s3-config.js';

const PROVIDER = 's3';

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
  private readonly client: S3Client;
  /** Where S3 is, for messages: the endpoint, or AWS in the region. */
  private readonly location: string;
  /** The bucket check (and creation) in flight or done; cleared on failure so the next request retries. */
  private bucketReady: Promise<void> | undefined;
  private readonly metadata: FileMetadataTable;

  private constructor(
    sql: SqlStore,
    private readonly config: S3FilesConfig,
    private readonly logger: ProviderLogger,
  ) {
    this.maxFileSizeBytes = config.max_file_size_bytes;
    // Expired files are hidden at once; their objects are removed when S3 answers.
    this.metadata = new FileMetadataTable(sql, config.metadata_store.table_name ?? DEFAULT_TABLE_NAME, logger, async (fileId) => void this.removeObject(fileId));
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
    await this.metadata.open();
    await this.ensureBucket().catch((error: Error) => this.logger.warn('S3 is not ready; requests will retry', { error: error.message }));
    await this.metadata.sweepExpired();
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
      return await this.metadata.insert({ id, filename: upload.filename, purpose: fields.purpose, bytes, expiresAfterSeconds: fields.expiresAfterSeconds });
    } catch (error) {
      await this.removeObject(id);
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
    await this.ensureBucket();
    // The object first: a file whose bytes cannot be removed stays listed, so the delete can be retried.
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket_name, Key: fileId }));
    } catch (error) {
      if (s3Code(error) !== 'NoSuchKey') throw this.upstreamError('delete the file', error);
    }
    await this.metadata.remove(fileId);
    return { id: fileId, object: 'file', deleted: true };
  }

  async retrieveFileContent(fileId: string): Promise<FileContent> {
    const file = await this.metadata.get(fileId);
    await this.ensureBucket();
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket_name, Key: fileId }));
      if (!(object.Body instanceof Readable)) throw new UpstreamError(PROVIDER, `${this.location} answered GetObject without a body.`);
      return { file, stream: object.Body };
    } catch (error) {
      if (s3Code(error) !== 'NoSuchKey') throw error instanceof CriaError ? error : this.upstreamError('read the file', error);
      this.logger.warn('the object of a file is missing; removing its metadata', { file_id: fileId });
      await this.metadata.remove(fileId);
      throw fileNotFound(fileId);
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
    this.metadata.close();
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
