import type { Readable } from 'node:stream';
import { InvalidRequestError, PayloadTooLargeError, routesOf } from '@cria/api';

/** Room for the multipart framing and the other fields around the file part. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

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

const route = routesOf('files');

export const filesRoutes = [
  route({
    method: 'POST',
    path: '/v1/files',
    operation: 'uploadFile',
    summary: 'Upload a file (multipart/form-data: `file`, `purpose`, optional `expires_after`).',
    requestForm: 'FileUploadForm',
    response: 'OpenAIFile',
    async handler({ api, form, headers, context }) {
      const limit = api.maxFileSizeBytes;
      const declared = Number(headers['content-length']);
      if (limit !== undefined && declared > limit + FORM_OVERHEAD_BYTES) {
        throw new PayloadTooLargeError(`The upload is ${declared} bytes; files may be at most ${limit} bytes.`, { param: 'file', code: 'file_too_large' });
      }
      const file = await form.file;
      const uploaded = await api.uploadFile(
        {
          filename: file.filename,
          contentType: file.contentType,
          content: bytesOf(file.stream),
          fields: async () => {
            const fields = await form.fields();
            return { purpose: fields.purpose, ...(fields.expires_after ? { expiresAfterSeconds: fields.expires_after.seconds } : {}) };
          },
        },
        context,
      );
      return { json: uploaded };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/files',
    operation: 'listFiles',
    summary: 'List files, newest first by default; filter by purpose.',
    query: 'ListFilesQuery',
    response: 'FileList',
    async handler({ query, api }) {
      return { json: await api.listFiles(query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/files/{file_id}',
    operation: 'retrieveFile',
    summary: 'A file\'s metadata.',
    response: 'OpenAIFile',
    async handler({ params, api }) {
      return { json: await api.retrieveFile(params.file_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/files/{file_id}',
    operation: 'deleteFile',
    summary: 'Delete a file.',
    response: 'FileDeleted',
    async handler({ params, api }) {
      return { json: await api.deleteFile(params.file_id!) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/files/{file_id}/content',
    operation: 'retrieveFileContent',
    summary: 'A file\'s bytes, as uploaded.',
    response: 'FileBytes',
    responseContentType: 'application/octet-stream',
    async handler({ params, api }) {
      const content = await api.retrieveFileContent(params.file_id!);
      return {
        stream: content.stream,
        contentType: 'application/octet-stream',
        headers: { 'content-disposition': contentDisposition(content.file.filename), 'content-length': String(content.file.bytes) },
      };
    },
  }),
];
