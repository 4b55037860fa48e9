import type { Readable } from 'node:stream';
import type { FileDeleted, FileList, FilePurpose, ListFilesQuery, OpenAIFile } from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/** The form fields of an upload besides the file. */
export interface FileUploadFields {
  purpose: FilePurpose;
  /** Seconds after creation the file expires (`expires_after.seconds`); absent: the provider's default. */
  expiresAfterSeconds?: number;
}

/** An upload as the server hands it to the files provider: a stream of bytes and its form fields. */
export interface FileUpload {
  /** The client's filename (the provider sanitises it). */
  filename: string;
  /** The part's content type as the client sent it, if any. */
  contentType?: string;
  /** The bytes, read once. The provider stops reading (and throws) past its size limit. */
  content: AsyncIterable<Uint8Array>;
  /**
   * The other form fields. Multipart may send them after the file, so they are known once
   * `content` has been read to its end; rejects (InvalidRequestError naming the field) when they
   * are missing or invalid.
   */
  fields(): Promise<FileUploadFields>;
}

/** A stored file's bytes, to stream to a client or read whole. */
export interface FileContent {
  file: OpenAIFile;
  /** Read once; the caller must consume or destroy it. */
  stream: Readable;
}

/**
 * What a files provider implements: bytes plus metadata, listed with keyset paging. Unknown or
 * expired ids throw NotFoundError; an upload past the size limit throws PayloadTooLargeError
 * and leaves nothing behind.
 */
export interface FilesProvider {
  /** The largest upload accepted, in bytes, so the server can refuse a larger body before reading it. */
  readonly maxFileSizeBytes?: number;
  uploadFile(upload: FileUpload, context: RequestContext): Promise<OpenAIFile>;
  listFiles(query: ListFilesQuery): Promise<FileList>;
  retrieveFile(fileId: string): Promise<OpenAIFile>;
  deleteFile(fileId: string): Promise<FileDeleted>;
  retrieveFileContent(fileId: string): Promise<FileContent>;
}

/** The files API as other APIs see it (a dependency): the same operations, routed by the core. */
export type FilesApi = FilesProvider;

/** Reads a file's whole content into memory (ingestion needs it whole: PDFs, token windows). */
export async function readFileContent(content: FileContent): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of content.stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}
