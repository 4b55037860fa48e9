import { availableParallelism } from 'node:os';
import type { TextChunk } from '../apis/vector-io/vector-stores-chunking.js';
import { type DocumentKind, IngestionError, type IngestionErrorCode } from '../apis/vector-io/vector-stores-extraction.js';
import { WorkerPool, WorkerTaskError } from '../workers/worker-pool.js';
import type { DocumentChunkingTask } from './document-chunker-worker.js';

/** A document's text in token windows, with what is known of the document. */
export interface DocumentChunks {
  kind: DocumentKind;
  chunks: TextChunk[];
  /** PDFs: the number of pages. */
  pageCount?: number;
  /** PDFs: title, author, subject, creator, producer, creation_date, modification_date (those present). */
  info: Record<string, string>;
}

export interface DocumentChunkingOptions {
  maxTokens: number;
  overlapTokens: number;
  /** Collapse whitespace within lines and drop empty lines before chunking. */
  cleanText?: boolean;
}

const CODES: readonly IngestionErrorCode[] = ['server_error', 'unsupported_file', 'invalid_file', 'rate_limit_exceeded'];

/**
 * The extraction vector store ingestion uses (PDF text layer, HTML, JSON, text formats) and its
 * cl100k token windows, on worker threads so the event loop keeps serving while a large PDF is
 * read. Files it cannot read throw IngestionError (`unsupported_file`, `invalid_file`).
 */
export class DocumentChunker {
  private readonly pool = new WorkerPool<DocumentChunkingTask, DocumentChunks>(new URL('./document-chunker-worker.js', import.meta.url), {
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
  });

  async chunk(bytes: Buffer, filename: string, options: DocumentChunkingOptions): Promise<DocumentChunks> {
    if (options.overlapTokens >= options.maxTokens) throw new RangeError(`chunk overlap (${options.overlapTokens}) must be smaller than the chunk size (${options.maxTokens})`);
    // A copy of its own, handed over to the worker: the caller keeps its bytes.
    const owned = new Uint8Array(bytes).buffer;
    try {
      return await this.pool.run({ bytes: owned, filename, maxTokens: options.maxTokens, overlapTokens: options.overlapTokens, cleanText: options.cleanText ?? false }, [owned]);
    } catch (error) {
      if (error instanceof WorkerTaskError && error.name === 'IngestionError') {
        throw new IngestionError(CODES.find((code) => code === error.fields.code) ?? 'server_error', error.message);
      }
      throw error;
    }
  }

  /** Stops the threads. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
