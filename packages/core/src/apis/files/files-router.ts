import { type FileContent, type FileDeleted, type FileList, type FilesApi, type FilesProvider, type FileUpload, InvalidRequestError, type ListFilesQuery, type OpenAIFile, type RequestContext } from '@cria/api';

/**
 * Routes the files API to the distribution's files provider (Llama Stack serves one). Other APIs
 * (vector stores reading files to ingest them) get this router as their `files` dependency.
 */
export class FilesRouter implements FilesApi {
  constructor(private readonly files: FilesProvider | null) {}

  get maxFileSizeBytes(): number | undefined {
    return this.files?.maxFileSizeBytes;
  }

  /** The provider; a 400 when the distribution's files providers are all disabled. */
  private get provider(): FilesProvider {
    if (!this.files) throw new InvalidRequestError('This distribution has no files provider enabled (providers.files).');
    return this.files;
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
