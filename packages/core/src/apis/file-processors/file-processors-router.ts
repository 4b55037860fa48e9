import { type FileProcessorsApi, type FileProcessorsProvider, InvalidRequestError, type ProcessFileRequest, type ProcessFileResponse, type RequestContext } from '@cria/api';

/** Routes file processing to the distribution's one file processors provider. */
export class FileProcessorsRouter implements FileProcessorsApi {
  constructor(private readonly processor: FileProcessorsProvider | null) {}

  processFile(request: ProcessFileRequest, context: RequestContext): Promise<ProcessFileResponse> {
    if (!this.processor) throw new InvalidRequestError('This distribution has no file_processors provider enabled (providers.file_processors).');
    if (request.file && request.fileId) throw new InvalidRequestError('Send either a file or a file_id, not both.', { param: 'file_id' });
    if (!request.file && !request.fileId) throw new InvalidRequestError('Send a file part or a file_id.', { param: 'file' });
    return this.processor.processFile(request, context);
  }
}
