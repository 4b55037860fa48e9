import {
  type FileProcessorsApi,
  type FilesApi,
  type InsertChunksRequest,
  InvalidRequestError,
  isCriaError,
  NotFoundError,
  type ProviderLogger,
  readFileContent,
  type RequestContext,
  UnsupportedError,
  type VectorChunk,
  type VectorStoreFileLastError,
  type VectorStoreFileStatus,
} from '@cria/api';
import { type Attributes, type Span, SpanStatusCode } from '@opentelemetry/api';
import { inSpan, isTraced } from '../../tracing.js';
import type { ChunkEmbedder } from './vector-io-embedder.js';
import { embeddingTarget, type StoreState, type VectorStoreCatalog } from './vector-stores-catalog.js';
import { availableParallelism } from 'node:os';
import { WorkerPool, WorkerTaskError } from '../../workers/worker-pool.js';
import { CHUNK_TOKENIZER, chunkIdFor, DEFAULT_CHUNK_OVERLAP_TOKENS, DEFAULT_CHUNK_SIZE_TOKENS, type TextChunk } from './vector-stores-chunking.js';
import { IngestionError, type IngestionErrorCode } from './vector-stores-extraction.js';
import type { ChunkingTask } from './vector-stores-ingestion-worker.js';
import { fileLockKey, type IngestionTask, type KeyedLock } from './vector-stores-ingestion.js';
import { contentText, fileChunkMetadata, nowSeconds } from './vector-stores-objects.js';
import type { FileRecord, VectorStoresTables } from './vector-stores-tables.js';

const FLOAT_BYTES = 4;

const INGESTION_ERROR_CODES: readonly IngestionErrorCode[] = ['server_error', 'unsupported_file', 'invalid_file', 'rate_limit_exceeded'];

/** The code of an ingestion error a worker reported. */
function ingestionErrorCode(value: unknown): IngestionErrorCode {
  return INGESTION_ERROR_CODES.find((code) => code === value) ?? 'server_error';
}

/** How an ingestion ended, for its span. */
type IngestionOutcome = { status: 'completed'; chunks: number } | { status: 'failed'; lastError: VectorStoreFileLastError } | { status: 'skipped' };

/**
 * Runs `work` in a child span of `context`'s trace when it has one (`describe` adds what the
 * result tells), else as it is: the steps of a traced ingestion or insert are spans.
 */
function step<T>(context: Partial<RequestContext>, name: string, attributes: Attributes, work: (context: Partial<RequestContext>) => Promise<T>, describe?: (span: Span, result: T) => void): Promise<T> {
  return isTraced(context) ? inSpan(context, name, attributes, work, describe) : work(context);
}

/** What a failed ingestion tells the user, in OpenAI's `last_error` codes. */
function lastErrorOf(error: unknown): VectorStoreFileLastError {
  if (error instanceof IngestionError) return { code: error.code, message: error.message };
  if (isCriaError(error, 'rate_limited')) return { code: 'rate_limit_exceeded', message: error.message };
  return { code: 'server_error', message: error instanceof Error ? error.message : String(error) };
}

export interface VectorIOIngestionOptions {
  catalog: VectorStoreCatalog;
  tables: VectorStoresTables;
  /** The files API, to read attached files. */
  files: FilesApi | null;
  /** When the distribution serves file processors, files are read and chunked through them. */
  fileProcessors?: FileProcessorsApi | null;
  embedder: ChunkEmbedder;
  /** Serialises what changes one attached file: the end of its ingestion, attribute updates, removal. */
  locks: KeyedLock;
  logger: ProviderLogger;
}

/**
 * What puts chunks into stores: Llama Stack's insert (chunks given, embedded when they come
 * without a vector), and the background ingestion of an attached file: read from the files API,
 * turned to text, cut into token windows, embedded in batches through the inference router, and
 * inserted all at once before the file is marked `completed`; a file that fails is marked
 * `failed` with `last_error`.
 */
export class VectorIOIngestion {
  private readonly catalog: VectorStoreCatalog;
  private readonly tables: VectorStoresTables;
  private readonly files: FilesApi | null;
  private readonly fileProcessors: FileProcessorsApi | null;
  private readonly embedder: ChunkEmbedder;
  private readonly locks: KeyedLock;
  private readonly logger: ProviderLogger;
  /** Reading PDFs and tokenizing documents take tens to hundreds of milliseconds: off the event loop. */
  private readonly chunkers = new WorkerPool<ChunkingTask, TextChunk[]>(new URL('./vector-stores-ingestion-worker.js', import.meta.url), {
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
  });

  constructor(options: VectorIOIngestionOptions) {
    this.catalog = options.catalog;
    this.tables = options.tables;
    this.files = options.files;
    this.fileProcessors = options.fileProcessors ?? null;
    this.embedder = options.embedder;
    this.locks = options.locks;
    this.logger = options.logger;
  }

  async insertChunks(request: InsertChunksRequest, context?: Partial<RequestContext>): Promise<void> {
    const state = this.catalog.require(request.vector_store_id, { param: 'vector_store_id' });
    if (request.ttl_seconds !== undefined && request.ttl_seconds !== null) {
      throw new UnsupportedError('ttl_seconds is not supported: chunks live until they, their file or their vector store are deleted.', { param: 'ttl_seconds' });
    }
    if (request.chunks.length === 0) return;
    const { resource } = state;
    const texts = request.chunks.map((chunk) => contentText(chunk.content));
    request.chunks.forEach((chunk, index) => {
      if (chunk.embedding_model !== undefined && chunk.embedding_model !== resource.embedding_model) {
        throw new InvalidRequestError(`Chunk ${index} was embedded with '${chunk.embedding_model}'; vector store '${resource.identifier}' uses '${resource.embedding_model}'.`, { param: `chunks[${index}].embedding_model` });
      }
      const dimension = chunk.embedding?.length ?? chunk.embedding_dimension;
      if (dimension !== undefined && dimension !== resource.embedding_dimension) {
        throw new InvalidRequestError(`Embedding at index ${index} has dimension ${dimension}, expected ${resource.embedding_dimension}.`, { param: `chunks[${index}].embedding` });
      }
    });
    const missing = request.chunks.flatMap((chunk, index) => (chunk.embedding ? [] : [index]));
    const computed = missing.length ? await this.embedder.embed(embeddingTarget(state), missing.map((index) => texts[index]!), context) : [];
    const vectors = new Map(missing.map((index, position) => [index, computed[position]!]));
    const chunks: VectorChunk[] = request.chunks.map((chunk, index) => {
      const metadata = chunk.metadata ?? {};
      const documentId = chunk.chunk_metadata?.document_id ?? (typeof metadata.document_id === 'string' ? metadata.document_id : null);
      const chunkId = chunk.chunk_id ?? chunk.chunk_metadata?.chunk_id ?? chunkIdFor(documentId ?? '', texts[index]!);
      const chunkMetadata = Object.fromEntries(Object.entries(chunk.chunk_metadata ?? {}).filter(([, value]) => value !== null && value !== undefined));
      return {
        chunkId,
        content: texts[index]!,
        metadata,
        chunkMetadata: { ...chunkMetadata, chunk_id: chunkId, ...(documentId ? { document_id: documentId } : {}) },
        embedding: chunk.embedding ?? vectors.get(index)!,
      };
    });
    await this.insertInto(state, chunks, context ?? {});
  }

  /** A store write: the chunks into the store's provider (an `insert_chunks` span when traced). */
  private insertInto(state: StoreState, chunks: VectorChunk[], context: Partial<RequestContext>): Promise<void> {
    const attributes = { 'cria.vector_store_id': state.resource.identifier, 'cria.provider_id': state.resource.provider_id, 'cria.chunks': chunks.length };
    return step(context, 'insert_chunks', attributes, () => this.catalog.provider(state).insertChunks(state.resource.provider_resource_id, chunks));
  }

  /**
   * The background work of one attached file (run by the ingestion queue). When the request
   * that attached it was traced, the ingestion is an `ingest_file` span in its trace (a child of
   * the request's span, which it outlives), with its steps as children: `extract_chunks`, the
   * embeddings calls and `insert_chunks`.
   */
  async ingestFile(task: IngestionTask, signal: AbortSignal): Promise<void> {
    if (task.traceContext === undefined) {
      await this.ingest(task, { signal });
      return;
    }
    // The server's logger: lines about the file name the span's trace, as a request's lines do.
    await inSpan({ signal, traceContext: task.traceContext, logger: this.logger }, 'ingest_file', { 'cria.vector_store_id': task.vectorStoreId, 'cria.file_id': task.fileId }, (context) => this.ingest(task, context), (span, outcome) => {
      span.setAttribute('cria.vector_store_file.status', signal.aborted ? 'cancelled' : outcome.status);
      if (outcome.status === 'completed') span.setAttribute('cria.chunks', outcome.chunks);
      if (outcome.status === 'failed') {
        span.setAttribute('error.type', outcome.lastError.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.lastError.message });
      }
    });
  }

  private async ingest(task: IngestionTask, context: Partial<RequestContext> & { signal: AbortSignal }): Promise<IngestionOutcome> {
    const { vectorStoreId, fileId } = task;
    const signal = context.signal;
    const state = this.catalog.find(vectorStoreId);
    const attached = await this.tables.file(vectorStoreId, fileId);
    if (!state || this.catalog.unavailableReason(vectorStoreId) || attached?.status !== 'in_progress') return { status: 'skipped' };
    try {
      const { max_chunk_size_tokens: size = DEFAULT_CHUNK_SIZE_TOKENS, chunk_overlap_tokens: overlap = DEFAULT_CHUNK_OVERLAP_TOKENS } = attached.chunkingStrategy.static;
      const pieces = await step(context, 'extract_chunks', { 'cria.file_id': fileId, 'cria.file_processor': this.fileProcessors ? 'file_processors' : 'builtin' }, () => (this.fileProcessors ? this.processedChunks(attached, size, overlap, signal) : this.fileChunks(attached, size, overlap)), (span, found) => span.setAttribute('cria.chunks', found.length));
      signal.throwIfAborted();
      if (pieces.length === 0) throw new IngestionError('invalid_file', 'No text could be extracted from the file, so it has nothing to search.');
      const vectors = await this.embedder.embed(embeddingTarget(state), pieces.map((piece) => piece.text), context);
      signal.throwIfAborted();
      let inserted = 0;
      await this.locks.run(fileLockKey(vectorStoreId, fileId), async () => {
        // Attributes may have changed while the file was being embedded: use the latest.
        const current = await this.tables.file(vectorStoreId, fileId);
        if (current?.status !== 'in_progress' || signal.aborted) return;
        const createdAt = nowSeconds();
        const chunks: VectorChunk[] = pieces.map((piece, position) => {
          // Derived from the file and the window, so a resumed ingestion replaces what an
          // interrupted one inserted rather than adding to it.
          const chunkId = chunkIdFor(fileId, piece.text, piece.window);
          return {
            chunkId,
            content: piece.text,
            metadata: fileChunkMetadata(current.attributes, fileId, current.filename),
            chunkMetadata: {
              file_id: fileId,
              document_id: fileId,
              chunk_id: chunkId,
              source: current.filename,
              created_timestamp: createdAt,
              updated_timestamp: createdAt,
              chunk_window: piece.window,
              chunk_tokenizer: CHUNK_TOKENIZER,
              content_token_count: piece.tokenCount,
            },
            embedding: vectors[position]!,
          };
        });
        // An attempt a crash interrupted may have left chunks: the file's chunks are replaced whole
        // (one insert, all or nothing), and only then is the file `completed`.
        await this.removeFileChunks(state, fileId);
        await this.insertInto(state, chunks, context);
        const usageBytes = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.content) + chunk.embedding.length * FLOAT_BYTES, 0);
        await this.transition(current, 'completed', { usageBytes, lastError: null });
        inserted = chunks.length;
      });
      return inserted > 0 ? { status: 'completed', chunks: inserted } : { status: 'skipped' };
    } catch (error) {
      // Cancelled, detached or shutting down: whoever stopped the file decides what it becomes.
      if (signal.aborted) return { status: 'skipped' };
      const lastError = lastErrorOf(error);
      (context.logger ?? this.logger).warn('file ingestion failed', { vector_store_id: vectorStoreId, file_id: fileId, code: lastError.code, error: lastError.message });
      await this.locks.run(fileLockKey(vectorStoreId, fileId), async () => {
        const current = await this.tables.file(vectorStoreId, fileId);
        if (current?.status !== 'in_progress') return;
        await this.removeFileChunks(state, fileId).catch(() => undefined);
        await this.transition(current, 'failed', { lastError });
      });
      return { status: 'failed', lastError };
    }
  }

  /** Moves a file out of `from` (its current status); adjusts the store's counts if it moved. */
  async transition(from: FileRecord, status: VectorStoreFileStatus, changes: { usageBytes?: number; lastError?: VectorStoreFileLastError | null }): Promise<void> {
    const next: FileRecord = { ...from, status, usageBytes: changes.usageBytes ?? from.usageBytes, lastError: changes.lastError === undefined ? from.lastError : changes.lastError };
    if (!(await this.tables.updateFile(next, from.status))) return;
    this.catalog.recountFile(from.vectorStoreId, from.status, status, next.usageBytes - from.usageBytes);
  }

  /** Removes a file's chunks from its store's provider. */
  async removeFileChunks(state: StoreState, fileId: string): Promise<void> {
    await this.catalog.provider(state).deleteChunks(state.resource.provider_resource_id, { fileId });
  }

  /** Stops the chunking threads. */
  close(): Promise<void> {
    return this.chunkers.close();
  }

  /** The file's chunks from the file processors API (read there from the files API). */
  private async processedChunks(file: FileRecord, maxTokens: number, overlapTokens: number, signal: AbortSignal): Promise<TextChunk[]> {
    let processed;
    try {
      processed = await this.fileProcessors!.processFile(
        { fileId: file.fileId, chunkingStrategy: { type: 'static', static: { max_chunk_size_tokens: maxTokens, chunk_overlap_tokens: overlapTokens } } },
        { signal, providerData: null },
      );
    } catch (error) {
      if (NotFoundError.is(error)) throw new IngestionError('invalid_file', `File '${file.fileId}' no longer exists in the files API.`);
      if (isCriaError(error, 'invalid_request')) throw new IngestionError(ingestionErrorCode(error.code === 'unsupported_file' ? error.code : 'invalid_file'), error.message);
      throw error;
    }
    return processed.chunks.map((chunk) => {
      const tokenCount = chunk.chunk_metadata.content_token_count ?? Number(chunk.metadata.token_count ?? 0);
      return { text: chunk.content, window: chunk.chunk_metadata.chunk_window ?? `0-${tokenCount}`, tokenCount };
    });
  }

  /** The file's text cut into token windows, on a worker thread. */
  private async fileChunks(file: FileRecord, maxTokens: number, overlapTokens: number): Promise<TextChunk[]> {
    if (!this.files) throw new IngestionError('server_error', 'This distribution has no files provider enabled to read the file from.');
    let content;
    try {
      content = await this.files.retrieveFileContent(file.fileId);
    } catch (error) {
      if (NotFoundError.is(error)) throw new IngestionError('invalid_file', `File '${file.fileId}' no longer exists in the files API.`);
      throw error;
    }
    const bytes = await readFileContent(content);
    // A buffer of its own, handed to the worker without a copy.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : new Uint8Array(bytes).buffer;
    try {
      return await this.chunkers.run({ bytes: owned, filename: file.filename || content.file.filename, maxTokens, overlapTokens }, [owned]);
    } catch (error) {
      if (error instanceof WorkerTaskError && error.name === 'IngestionError') throw new IngestionError(ingestionErrorCode(error.fields.code), error.message);
      throw error;
    }
  }
}
