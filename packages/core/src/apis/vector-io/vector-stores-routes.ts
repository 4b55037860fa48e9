import { routesOf } from '@cria/api';

const route = routesOf('vector_io');

const STORE = '/v1/vector_stores/{vector_store_id}';

export const vectorStoresRoutes = [
  route({
    method: 'POST',
    path: '/v1/vector_stores',
    operation: 'createVectorStore',
    summary: 'Create a vector store; Llama Stack\'s embedding_model, embedding_dimension and provider_id are accepted.',
    requestBody: 'CreateVectorStoreRequest',
    response: 'VectorStore',
    async handler({ body, api, context }) {
      return { json: await api.createVectorStore(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/vector_stores',
    operation: 'listVectorStores',
    summary: 'List vector stores, newest first by default.',
    query: 'ListVectorStoresQuery',
    response: 'VectorStoreList',
    async handler({ query, api }) {
      return { json: await api.listVectorStores(query) };
    },
  }),
  route({
    method: 'GET',
    path: STORE,
    operation: 'retrieveVectorStore',
    summary: 'A vector store, with its file counts.',
    response: 'VectorStore',
    async handler({ params, api }) {
      return { json: await api.retrieveVectorStore(params.vector_store_id!) };
    },
  }),
  route({
    method: 'POST',
    path: STORE,
    operation: 'updateVectorStore',
    summary: 'Change a vector store\'s name, expiry or metadata.',
    requestBody: 'UpdateVectorStoreRequest',
    response: 'VectorStore',
    async handler({ params, body, api }) {
      return { json: await api.updateVectorStore(params.vector_store_id!, body) };
    },
  }),
  route({
    method: 'DELETE',
    path: STORE,
    operation: 'deleteVectorStore',
    summary: 'Delete a vector store with its files\' chunks (the files stay in the files API).',
    response: 'VectorStoreDeleted',
    async handler({ params, api }) {
      return { json: await api.deleteVectorStore(params.vector_store_id!) };
    },
  }),
  route({
    method: 'POST',
    path: `${STORE}/search`,
    operation: 'searchVectorStore',
    summary: 'Search a vector store: one query or several, attribute filters, max_num_results, ranking_options, rewrite_query, search_mode.',
    requestBody: 'VectorStoreSearchRequest',
    response: 'VectorStoreSearchResultsPage',
    async handler({ params, body, context, api }) {
      return { json: await api.searchVectorStore(params.vector_store_id!, body, context) };
    },
  }),
  route({
    method: 'POST',
    path: `${STORE}/files`,
    operation: 'attachVectorStoreFile',
    summary: 'Attach a file; it is ingested in the background (`in_progress`, then `completed` or `failed`).',
    requestBody: 'CreateVectorStoreFileRequest',
    response: 'VectorStoreFile',
    async handler({ params, body, api, context }) {
      return { json: await api.attachFile(params.vector_store_id!, body, context) };
    },
  }),
  route({
    method: 'GET',
    path: `${STORE}/files`,
    operation: 'listVectorStoreFiles',
    summary: 'List a vector store\'s files, newest first by default; `filter` by status.',
    query: 'ListVectorStoreFilesQuery',
    response: 'VectorStoreFileList',
    async handler({ params, query, api }) {
      return { json: await api.listFiles(params.vector_store_id!, query) };
    },
  }),
  route({
    method: 'GET',
    path: `${STORE}/files/{file_id}`,
    operation: 'retrieveVectorStoreFile',
    summary: 'A file of a vector store, with its status and last_error.',
    response: 'VectorStoreFile',
    async handler({ params, api }) {
      return { json: await api.retrieveFile(params.vector_store_id!, params.file_id!) };
    },
  }),
  route({
    method: 'POST',
    path: `${STORE}/files/{file_id}`,
    operation: 'updateVectorStoreFile',
    summary: 'Replace a file\'s attributes (searches filter on the new ones).',
    requestBody: 'UpdateVectorStoreFileRequest',
    response: 'VectorStoreFile',
    async handler({ params, body, api }) {
      return { json: await api.updateFile(params.vector_store_id!, params.file_id!, body) };
    },
  }),
  route({
    method: 'DELETE',
    path: `${STORE}/files/{file_id}`,
    operation: 'deleteVectorStoreFile',
    summary: 'Detach a file from a vector store, removing its chunks (the file stays in the files API).',
    response: 'VectorStoreFileDeleted',
    async handler({ params, api }) {
      return { json: await api.deleteFile(params.vector_store_id!, params.file_id!) };
    },
  }),
  route({
    method: 'GET',
    path: `${STORE}/files/{file_id}/content`,
    operation: 'retrieveVectorStoreFileContent',
    summary: 'A file\'s chunks in order; Llama Stack\'s include_embeddings and include_metadata add their vectors and metadata.',
    query: 'VectorStoreFileContentQuery',
    response: 'VectorStoreFileContent',
    async handler({ params, query, api }) {
      return { json: await api.retrieveFileContent(params.vector_store_id!, params.file_id!, query) };
    },
  }),
  route({
    method: 'POST',
    path: `${STORE}/file_batches`,
    operation: 'createVectorStoreFileBatch',
    summary: 'Attach several files at once (`file_ids`, or `files` with their own attributes and chunking).',
    requestBody: 'CreateVectorStoreFileBatchRequest',
    response: 'VectorStoreFileBatch',
    async handler({ params, body, api, context }) {
      return { json: await api.createFileBatch(params.vector_store_id!, body, context) };
    },
  }),
  route({
    method: 'GET',
    path: `${STORE}/file_batches/{batch_id}`,
    operation: 'retrieveVectorStoreFileBatch',
    summary: 'A file batch, with its file counts.',
    response: 'VectorStoreFileBatch',
    async handler({ params, api }) {
      return { json: await api.retrieveFileBatch(params.vector_store_id!, params.batch_id!) };
    },
  }),
  route({
    method: 'POST',
    path: `${STORE}/file_batches/{batch_id}/cancel`,
    operation: 'cancelVectorStoreFileBatch',
    summary: 'Cancel a file batch: its files not yet ingested become `cancelled`.',
    response: 'VectorStoreFileBatch',
    async handler({ params, api }) {
      return { json: await api.cancelFileBatch(params.vector_store_id!, params.batch_id!) };
    },
  }),
  route({
    method: 'GET',
    path: `${STORE}/file_batches/{batch_id}/files`,
    operation: 'listVectorStoreFileBatchFiles',
    summary: 'List the files of a file batch; `filter` by status.',
    query: 'ListVectorStoreFilesQuery',
    response: 'VectorStoreFileList',
    async handler({ params, query, api }) {
      return { json: await api.listFileBatchFiles(params.vector_store_id!, params.batch_id!, query) };
    },
  }),
];
