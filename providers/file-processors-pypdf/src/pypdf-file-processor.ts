import { randomUUID } from 'node:crypto';
import { type FileProcessorsProvider, type FilesApi, InvalidRequestError, type ProcessFileRequest, type ProcessFileResponse, type ProcessedFileChunk, type ProviderLifecycle, readFileContent, type RequestContext } from '@cria/api';
import { CHUNK_TOKENIZER, chunkIdFor, countTokens, DocumentChunker, IngestionError } from '@cria/core/documents';
import type { PyPdfConfig } from './pypdf-config.js';

/** No chunking strategy: one window larger than any document, so the whole text is one chunk (as Llama Stack). */
const SINGLE_CHUNK_WINDOW_TOKENS = 1_000_000;

/**
 * `inline::pypdf`: a PDF's text layer, or a text file's text, in chunks with Llama Stack's chunk
 * metadata. Reading and tokenizing run on the core's document threads (the same extraction vector
 * store ingestion uses).
 */
export class PyPdfFileProcessor implements FileProcessorsProvider, ProviderLifecycle {
  private readonly chunker = new DocumentChunker();

  constructor(
    private readonly config: PyPdfConfig,
    private readonly files: FilesApi | null,
  ) {}

  async processFile(request: ProcessFileRequest, context: RequestContext): Promise<ProcessFileResponse> {
    const started = performance.now();
    const { bytes, filename } = await this.source(request);
    context.signal.throwIfAborted();
    const [maxTokens, overlapTokens] = this.windows(request);
    let document;
    try {
      document = await this.chunker.chunk(bytes, filename, { maxTokens, overlapTokens, cleanText: this.config.clean_text });
    } catch (error) {
      if (error instanceof IngestionError) throw new InvalidRequestError(error.message, { param: request.fileId ? 'file_id' : 'file', code: error.code });
      throw error;
    }
    const isPdf = document.kind === 'pdf';
    const pdfMetadata: Record<string, unknown> = isPdf && this.config.extract_metadata ? { page_count: document.pageCount ?? 0, ...document.info } : {};
    const documentId = randomUUID();
    const documentMetadata: Record<string, unknown> = { document_id: documentId, filename, ...pdfMetadata, ...(request.fileId ? { file_id: request.fileId } : {}) };
    const metadataTokenCount = document.chunks.length ? await countTokens(JSON.stringify(documentMetadata)) : 0;
    const createdAt = Math.floor(Date.now() / 1000);
    const chunks: ProcessedFileChunk[] = document.chunks.map((piece) => {
      const chunkId = chunkIdFor(documentId, piece.text, piece.window);
      return {
        content: piece.text,
        chunk_id: chunkId,
        metadata: { ...documentMetadata, chunk_id: chunkId, token_count: piece.tokenCount, metadata_token_count: metadataTokenCount, chunk_tokenizer: CHUNK_TOKENIZER },
        chunk_metadata: {
          chunk_id: chunkId,
          document_id: documentId,
          source: null,
          created_timestamp: createdAt,
          updated_timestamp: createdAt,
          chunk_window: piece.window,
          chunk_tokenizer: CHUNK_TOKENIZER,
          content_token_count: piece.tokenCount,
          metadata_token_count: metadataTokenCount,
        },
      };
    });
    const processingTimeMs = Math.round(performance.now() - started);
    const metadata = isPdf
      ? { processor: 'pypdf', processing_time_ms: processingTimeMs, page_count: document.pageCount ?? 0, extraction_method: 'pypdf', file_size_bytes: bytes.length, ...pdfMetadata }
      : { processor: 'text', processing_time_ms: processingTimeMs, extraction_method: 'text', file_size_bytes: bytes.length };
    return { chunks, metadata };
  }

  async shutdown(): Promise<void> {
    await this.chunker.close();
  }

  private async source(request: ProcessFileRequest): Promise<{ bytes: Buffer; filename: string }> {
    if (request.file) return { bytes: request.file.content, filename: request.file.filename || `${randomUUID()}.pdf` };
    if (!request.fileId) throw new InvalidRequestError('Send a file part or a file_id.', { param: 'file' });
    if (!this.files) throw new InvalidRequestError('This distribution has no files provider to read file_id from; send the file itself.', { param: 'file_id' });
    const file = await this.files.retrieveFile(request.fileId);
    return { bytes: await readFileContent(await this.files.retrieveFileContent(request.fileId)), filename: file.filename };
  }

  /** Token window and overlap: none → one chunk, `auto` → the configured defaults, `static` → as given. */
  private windows(request: ProcessFileRequest): [number, number] {
    const strategy = request.chunkingStrategy;
    if (!strategy) return [SINGLE_CHUNK_WINDOW_TOKENS, 0];
    if ('static' in strategy && strategy.static) {
      return [strategy.static.max_chunk_size_tokens ?? this.config.default_chunk_size_tokens, strategy.static.chunk_overlap_tokens ?? this.config.default_chunk_overlap_tokens];
    }
    return [this.config.default_chunk_size_tokens, Math.min(this.config.default_chunk_overlap_tokens, this.config.default_chunk_size_tokens - 1)];
  }
}
