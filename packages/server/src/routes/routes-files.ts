import type { Readable } from 'node:stream';
import { type FilesApi, type FileUploadForm, InvalidRequestError, type ListFilesQuery, PayloadTooLargeError } from '@cria/api';
import { compileApiValidator, type Stack, type Validator } from '@cria/core';
import { readMultipartForm } from '../server-multipart.js';
import { defineRoutes, type RouteInput } from '../server-routes.js';

/** Room for the multipart framing and the other fields around the file part. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

let validateForm: Validator<FileUploadForm> | undefined;

function files(stack: Stack): FilesApi {
  const router = stack.router<FilesApi>('files');
  if (!router) throw new InvalidRequestError('This distribution serves no files API (it has no files provider).');
  return router;
}

/** The part's bytes; a body cut short is the client's error, not the server's. */
async function* bytesOf(stream: Readable): AsyncIterable<Uint8Array> {
  try {
    for await (const part of stream) yield part as Uint8Array;
  } catch (error) {
    throw new InvalidRequestError(`The upload was cut short: ${(error as Error).message}.`, { param: 'file' });
  }
}

/** `filename="..."` (ASCII) and `filename*=` (UTF-8), so any name survives the header. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export const filesRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/v1/files',
    api: 'files',
    operation: 'uploadFile',
    summary: 'Upload a file (multipart/form-data: `file`, `purpose`, optional `expires_after`).',
    requestForm: 'FileUploadForm',
    response: 'OpenAIFile',
    async handler({ koa, context, stack }) {
      const api = files(stack);
      const req = koa.req;
      if (!req.headers['content-type']?.toLowerCase().startsWith('multipart/form-data')) {
        throw new InvalidRequestError(`Send the upload as multipart/form-data with a 'file' part and a 'purpose' field (got '${req.headers['content-type'] ?? 'no content type'}').`);
      }
      const limit = api.maxFileSizeBytes;
      const declared = Number(req.headers['content-length']);
      if (limit !== undefined && declared > limit + FORM_OVERHEAD_BYTES) {
        koa.set('connection', 'close');
        throw new PayloadTooLargeError(`The upload is ${declared} bytes; files may be at most ${limit} bytes.`, { param: 'file', code: 'file_too_large' });
      }
      const form = readMultipartForm(req, 'file');
      try {
        const file = await form.file;
        const uploaded = await api.uploadFile(
          {
            filename: file.filename,
            contentType: file.contentType,
            content: bytesOf(file.stream),
            fields: async () => {
              validateForm ??= compileApiValidator<FileUploadForm>('FileUploadForm', { coerceTypes: true });
              const fields = validateForm(await form.fields);
              return { purpose: fields.purpose, ...(fields.expires_after ? { expiresAfterSeconds: fields.expires_after.seconds } : {}) };
            },
          },
          context,
        );
        return { json: uploaded };
      } catch (error) {
        // The rest of the body is not read: discard it and close the connection after answering.
        form.abandon();
        koa.set('connection', 'close');
        throw error;
      }
    },
  },
  {
    method: 'GET',
    path: '/v1/files',
    api: 'files',
    operation: 'listFiles',
    summary: 'List files, newest first by default; filter by purpose.',
    query: 'ListFilesQuery',
    response: 'FileList',
    async handler({ query, stack }: RouteInput<unknown, ListFilesQuery>) {
      return { json: await files(stack).listFiles(query) };
    },
  },
  {
    method: 'GET',
    path: '/v1/files/{file_id}',
    api: 'files',
    operation: 'retrieveFile',
    summary: 'A file\'s metadata.',
    response: 'OpenAIFile',
    async handler({ params, stack }) {
      return { json: await files(stack).retrieveFile(params.file_id!) };
    },
  },
  {
    method: 'DELETE',
    path: '/v1/files/{file_id}',
    api: 'files',
    operation: 'deleteFile',
    summary: 'Delete a file.',
    response: 'FileDeleted',
    async handler({ params, stack }) {
      return { json: await files(stack).deleteFile(params.file_id!) };
    },
  },
  {
    method: 'GET',
    path: '/v1/files/{file_id}/content',
    api: 'files',
    operation: 'retrieveFileContent',
    summary: 'A file\'s bytes, as uploaded.',
    response: 'FileBytes',
    responseContentType: 'application/octet-stream',
    async handler({ params, stack }) {
      const content = await files(stack).retrieveFileContent(params.file_id!);
      return {
        stream: content.stream,
        contentType: 'application/octet-stream',
        headers: { 'content-disposition': contentDisposition(content.file.filename), 'content-length': String(content.file.bytes) },
      };
    },
  },
]);
