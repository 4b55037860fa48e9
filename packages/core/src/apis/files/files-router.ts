import { type FileContent, type FileDeleted, type FileList, type FilesApi, type FilesProvider, type FileUpload, InvalidRequestError, type ListFilesQuery, type OpenAIFile, type RequestContext } from '@cria/api';
import { inSpan, isTraced } from '../../tracing.js';
import { dropNull } from '../reply-shape.js';

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

  /** Stores an upload through the provider; in a traced request, an `upload_file` span (a store write). */
  async uploadFile(upload: FileUpload, context: RequestContext): Promise<OpenAIFile> {
    const provider = this.provider;
    if (!isTraced(context)) return conformFile(await provider.uploadFile(upload, context));
    const file = await inSpan(context, 'upload_file', { 'cria.operation': 'upload_file' }, (spanContext) => provider.uploadFile(upload, spanContext), (span, stored) => {
      span.setAttribute('cria.file_id', stored.id);
      span.setAttribute('cria.file.bytes', stored.bytes);
      span.setAttribute('cria.file.purpose', stored.purpose);
    });
    return conformFile(file);
  }

  async listFiles(query: ListFilesQuery): Promise<FileList> {
    const list = await this.provider.listFiles(query);
    list.data.forEach(conformFile);
    return list;
  }

  async retrieveFile(fileId: string): Promise<OpenAIFile> {
    return conformFile(await this.provider.retrieveFile(fileId));
  }

  deleteFile(fileId: string): Promise<FileDeleted> {
    return this.provider.deleteFile(fileId);
  }

  retrieveFileContent(fileId: string): Promise<FileContent> {
    return this.provider.retrieveFileContent(fileId);
  }
}

/**
 * A file in OpenAI's published shape, whatever the provider returned: `expires_at` and
 * `status_details` left out when unset (OpenAI's schema has no null for them), `status` present.
 */
function conformFile(file: OpenAIFile): OpenAIFile {
  dropNull(file, 'expires_at', 'status_details');
  file.status ??= 'processed';
  file.object = 'file';
  return file;
}
