import type {
  CreateVectorStoreFileBatchRequest,
  CreateVectorStoreFileRequest,
  CreateVectorStoreRequest,
  InsertChunksRequest,
  ListVectorStoreFilesQuery,
  ListVectorStoresQuery,
  QueryChunksRequest,
  QueryChunksResponse,
  UpdateVectorStoreFileRequest,
  UpdateVectorStoreRequest,
  VectorStore,
  VectorStoreDeleted,
  VectorStoreFile,
  VectorStoreFileBatch,
  VectorStoreFileContent,
  VectorStoreFileContentQuery,
  VectorStoreFileDeleted,
  VectorStoreFileList,
  VectorStoreList,
  VectorStoreSearchRequest,
  VectorStoreSearchResultsPage,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/**
 * The vector_io API as the server and other APIs (file_search in the Responses API) see it:
 * Llama Stack's chunk insert and query, and OpenAI's vector stores, their files, file batches and
 * search. The core implements it over the vector IO providers; unknown stores, files and batches
 * throw NotFoundError.
 */
export interface VectorIOApi {
  /** Adds chunks to a store, embedding those that come without a vector; all or nothing. */
  insertChunks(request: InsertChunksRequest, context?: Partial<RequestContext>): Promise<void>;
  queryChunks(request: QueryChunksRequest, context?: Partial<RequestContext>): Promise<QueryChunksResponse>;

  createVectorStore(request: CreateVectorStoreRequest, context?: Partial<RequestContext>): Promise<VectorStore>;
  listVectorStores(query: ListVectorStoresQuery): Promise<VectorStoreList>;
  retrieveVectorStore(vectorStoreId: string): Promise<VectorStore>;
  updateVectorStore(vectorStoreId: string, request: UpdateVectorStoreRequest): Promise<VectorStore>;
  deleteVectorStore(vectorStoreId: string): Promise<VectorStoreDeleted>;
  searchVectorStore(vectorStoreId: string, request: VectorStoreSearchRequest, context?: Partial<RequestContext>): Promise<VectorStoreSearchResultsPage>;

  /**
   * Attaches a file; it is ingested in the background (status `in_progress` until done). The
   * ingestion of a traced request's file is traced as a child of the request's span.
   */
  attachFile(vectorStoreId: string, request: CreateVectorStoreFileRequest, context?: Partial<RequestContext>): Promise<VectorStoreFile>;
  listFiles(vectorStoreId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList>;
  retrieveFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFile>;
  /** Replaces a file's attributes, in its chunks too (searches filter on the new ones). */
  updateFile(vectorStoreId: string, fileId: string, request: UpdateVectorStoreFileRequest): Promise<VectorStoreFile>;
  deleteFile(vectorStoreId: string, fileId: string): Promise<VectorStoreFileDeleted>;
  /** The file's chunks, in order. */
  retrieveFileContent(vectorStoreId: string, fileId: string, query: VectorStoreFileContentQuery): Promise<VectorStoreFileContent>;

  createFileBatch(vectorStoreId: string, request: CreateVectorStoreFileBatchRequest, context?: Partial<RequestContext>): Promise<VectorStoreFileBatch>;
  retrieveFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch>;
  /** Stops the batch's files that are not done yet (they become `cancelled`). */
  cancelFileBatch(vectorStoreId: string, batchId: string): Promise<VectorStoreFileBatch>;
  listFileBatchFiles(vectorStoreId: string, batchId: string, query: ListVectorStoreFilesQuery): Promise<VectorStoreFileList>;
}
