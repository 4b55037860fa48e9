import type { FileContent, FileDeleted, FileList, FilesApi, FilesProvider, FileUpload, ListFilesQuery, OpenAIFile, RequestContext } from '@cria/api';

/**
 * Routes the files API to the distribution's files provider (Llama Stack serves one). Other APIs
 * (vector stores reading files to ingest them) get this router as their `files` dependency.
 */
export class FilesRouter implements FilesApi {
  constructor(private readonly provider: FilesProvider) {}

  get maxFileSizeBytes(): number | undefined {
    return this.provider.maxFileSizeBytes;
  }

  uploadFile(upload: FileUpload, context: RequestContext): Promise<OpenAIFile> {
    return this.provider.uploadFile(upload, context);
  }

  listFiles(query: ListFilesQuery): Promise<FileList> {
    return this.provider.listFiles(query);
  }

  retrieveFile(fileId: string): Promise<OpenAIFile> {
    return this.provider.retrieveFile(fileId);
  }

  deleteFile(fileId: string): Promise<FileDeleted> {
    return this.provider.deleteFile(fileId);
  }

  retrieveFileContent(fileId: string): Promise<FileContent> {
    return this.provider.retrieveFileContent(fileId);
  }
}
