import type { ChunkingStrategyRequest, ProcessFileResponse } from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/** What to process: exactly one of `file` (bytes sent with the request) and `fileId` (a file of the files API). */
export interface ProcessFileRequest {
  file?: { filename: string; content: Buffer; contentType?: string };
  fileId?: string;
  /** Provider-specific options. */
  options?: Record<string, unknown> | null;
  /** How to cut the text: `auto` (the provider's defaults), `static` sizes, or absent: one chunk. */
  chunkingStrategy?: ChunkingStrategyRequest | null;
}

/**
 * What a file processors provider implements: a file's text (PDF text layer, text formats) in
 * chunks ready for a vector store. A file it cannot read (unsupported type, damaged, encrypted) throws
 * InvalidRequestError with param `file`, an unknown file_id NotFoundError.
 */
export interface FileProcessorsProvider {
  processFile(request: ProcessFileRequest, context: RequestContext): Promise<ProcessFileResponse>;
}

/** The file_processors API as routes and other APIs (vector store ingestion) see it. */
export type FileProcessorsApi = FileProcessorsProvider;
