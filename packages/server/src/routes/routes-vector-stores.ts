import type {
  CreateVectorStoreFileBatchRequest,
  CreateVectorStoreFileRequest,
  CreateVectorStoreRequest,
  ListVectorStoreFilesQuery,
  ListVectorStoresQuery,
  UpdateVectorStoreFileRequest,
  UpdateVectorStoreRequest,
  VectorStoreFileContentQuery,
  VectorStoreSearchRequest,
} from '@cria/api';
import { defineRoutes, type RouteInput } from '../server-routes.js';
import { vectorIo } from './routes-vector-io.js';

const STORE = '/v1/vector_stores/{vector_store_id}';

export const vectorStoresRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/v1/vector_stores',
    api: 'vector_io',
    operation: 'createVectorStore',
    summary: 'Create a vector store; Llama Stack\'s embedding_model, embedding_dimension and provider_id are accepted.',
    requestBody: 'CreateVectorStoreRequest',
    response: 'VectorStore',
    async handler({ body, stack }: RouteInput<CreateVectorStoreRequest>) {
      return { json: await vectorIo(stack).createVectorStore(body) };
    },
  },
  {
    method: 'GET',
    path: '/v1/vector_stores',
    api: 'vector_io',
    operation: 'listVectorStores',
    summary: 'List vector stores, newest first by default.',
    query: 'ListVectorStoresQuery',
    response: 'VectorStoreList',
    async handler({ query, stack }: RouteInput<unknown, ListVectorStoresQuery>) {
      return { json: await vectorIo(stack).listVectorStores(query) };
    },
  },
  {
    method: 'GET',
    path: STORE,
    api: 'vector_io',
    operation: 'retrieveVectorStore',
    summary: 'A vector store, with its file counts.',
    response: 'VectorStore',
    async handler({ params, stack }) {
      return { json: await vectorIo(stack).retrieveVectorStore(params.vector_store_id!) };
    },
  },
  {
    method: 'POST',
    path: STORE,
    api: 'vector_io',
    operation: 'updateVectorStore',
    summary: 'Change a vector store\'s name, expiry or metadata.',
    requestBody: 'UpdateVectorStoreRequest',
    response: 'VectorStore',
    async handler({ params, body, stack }: RouteInput<UpdateVectorStoreRequest>) {
      return { json: await vectorIo(stack).updateVectorStore(params.vector_store_id!, body) };
    },
  },
  {
    method: 'DELETE',
    path: STORE,
    api: 'vector_io',
    operation: 'deleteVectorStore',
    summary: 'Delete a vector store with its files\' chunks (the files stay in the files API).',
    response: 'VectorStoreDeleted',
    async handler({ params, stack }) {
      return { json: await vectorIo(stack).deleteVectorStore(params.vector_store_id!) };
    },
  },
  {
    method: 'POST',
    path: `${STORE}/search`,
    api: 'vector_io',
    operation: 'searchVectorStore',
    summary: 'Search a vector store: one query or several, attribute filters, max_num_results, ranking_options, rewrite_query, search_mode.',
    requestBody: 'VectorStoreSearchRequest',
    response: 'VectorStoreSearchResultsPage',
    async handler({ params, body, context, stack }: RouteInput<VectorStoreSearchRequest>) {
      return { json: await vectorIo(stack).searchVectorStore(params.vector_store_id!, body, context) };
    },
  },
  {
    method: 'POST',
    path: `${STORE}/files`,
    api: 'vector_io',
    operation: 'attachVectorStoreFile',
    summary: 'Attach a file; it is ingested in the background (`in_progress`, then `completed` or `failed`).',
    requestBody: 'CreateVectorStoreFileRequest',
    response: 'VectorStoreFile',
    async handler({ params, body, stack }: RouteInput<CreateVectorStoreFileRequest>) {
      return { json: await vectorIo(stack).attachFile(params.vector_store_id!, body) };
    },
  },
  {
    method: 'GET',
    path: `${STORE}/files`,
    api: 'vector_io',
    operation: 'listVectorStoreFiles',
    summary: 'List a vector store\'s files, newest first by default; `filter` by status.',
    query: 'ListVectorStoreFilesQuery',
    response: 'VectorStoreFileList',
    async handler({ params, query, stack }: RouteInput<unknown, ListVectorStoreFilesQuery>) {
      return { json: await vectorIo(stack).listFiles(params.vector_store_id!, query) };
    },
  },
  {
    method: 'GET',
    path: `${STORE}/files/{file_id}`,
    api: 'vector_io',
    operation: 'retrieveVectorStoreFile',
    summary: 'A file of a vector store, with its status and last_error.',
    response: 'VectorStoreFile',
    async handler({ params, stack }) {
      return { json: await vectorIo(stack).retrieveFile(params.vector_store_id!, params.file_id!) };
    },
  },
  {
    method: 'POST',
    path: `${STORE}/files/{file_id}`,
    api: 'vector_io',
    operation: 'updateVectorStoreFile',
    summary: 'Replace a file\'s attributes (searches filter on the new ones).',
    requestBody: 'UpdateVectorStoreFileRequest',
    response: 'VectorStoreFile',
    async handler({ params, body, stack }: RouteInput<UpdateVectorStoreFileRequest>) {
      return { json: await vectorIo(stack).updateFile(params.vector_store_id!, params.file_id!, body) };
    },
  },
  {
    method: 'DELETE',
    path: `${STORE}/files/{file_id}`,
    api: 'vector_io',
    operation: 'deleteVectorStoreFile',
    summary: 'Detach a file from a vector store, removing its chunks (the file stays in the files API).',
    response: 'VectorStoreFileDeleted',
    async handler({ params, stack }) {
      return { json: await vectorIo(stack).deleteFile(params.vector_store_id!, params.file_id!) };
    },
  },
  {
    method: 'GET',
    path: `${STORE}/files/{file_id}/content`,
    api: 'vector_io',
    operation: 'retrieveVectorStoreFileContent',
    summary: 'A file\'s chunks in order; Llama Stack\'s include_embeddings and include_metadata add their vectors and metadata.',
    query: 'VectorStoreFileContentQuery',
    response: 'VectorStoreFileContent',
    async handler({ params, query, stack }: RouteInput<unknown, VectorStoreFileContentQuery>) {
      return { json: await vectorIo(stack).retrieveFileContent(params.vector_store_id!, params.file_id!, query) };
    },
  },
  {
    method: 'POST',
    path: `${STORE}/file_batches`,
    api: 'vector_io',
    operation: 'createVectorStoreFileBatch',
    summary: 'Attach several files at once (`file_ids`, or `files` with their own attributes and chunking).',
    requestBody: 'CreateVectorStoreFileBatchRequest',
    response: 'VectorStoreFileBatch',
    async handler({ params, body, stack }: RouteInput<CreateVectorStoreFileBatchRequest>) {
      return { json: await vectorIo(stack).createFileBatch(params.vector_store_id!, body) };
    },
  },
  {
    method: 'GET',
    path: `${STORE}/file_batches/{batch_id}`,
    api: 'vector_io',
    operation: 'retrieveVectorStoreFileBatch',
    summary: 'A file batch, with its file counts.',
    response: 'VectorStoreFileBatch',
    async handler({ params, stack }) {
      return { json: await vectorIo(stack).retrieveFileBatch(params.vector_store_id!, params.batch_id!) };
    },
  },
  {
    method: 'POST',
    path: `${STORE}/file_batches/{batch_id}/cancel`,
    api: 'vector_io',
    operation: 'cancelVectorStoreFileBatch',
    summary: 'Cancel a file batch: its files not yet ingested become `cancelled`.',
    response: 'VectorStoreFileBatch',
    async handler({ params, stack }) {
      return { json: await vectorIo(stack).cancelFileBatch(params.vector_store_id!, params.batch_id!) };
    },
  },
  {
    method: 'GET',
    path: `${STORE}/file_batches/{batch_id}/files`,
    api: 'vector_io',
    operation: 'listVectorStoreFileBatchFiles',
    summary: 'List the files of a file batch; `filter` by status.',
    query: 'ListVectorStoreFilesQuery',
    response: 'VectorStoreFileList',
    async handler({ params, query, stack }: RouteInput<unknown, ListVectorStoreFilesQuery>) {
      return { json: await vectorIo(stack).listFileBatchFiles(params.vector_store_id!, params.batch_id!, query) };
    },
  },
]);
