import type { Readable } from 'node:stream';
import { type ChunkingStrategyRequest, InvalidRequestError, isCriaError, PayloadTooLargeError, routesOf } from '@cria/api';
import { compileApiValidator } from '../../validation/validation.js';

/** Llama Stack's limit on a file sent with the request (DEFAULT_MAX_UPLOAD_SIZE_BYTES). */
export const MAX_PROCESS_UPLOAD_BYTES = 100 * 1024 * 1024;
/** Room for the multipart framing and the other fields around the file part. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

let chunkingStrategyValidator: ((value: unknown) => ChunkingStrategyRequest) | undefined;

async function readUpload(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const part of stream) {
      size += (part as Buffer).byteLength;
      if (size > MAX_PROCESS_UPLOAD_BYTES) throw new PayloadTooLargeError(`The file is larger than the limit of ${MAX_PROCESS_UPLOAD_BYTES} bytes.`, { param: 'file', code: 'file_too_large' });
      parts.push(part as Buffer);
    }
  } catch (error) {
    if (isCriaError(error)) throw error;
    throw new InvalidRequestError(`The upload was cut short: ${(error as Error).message}.`, { param: 'file' });
  }
  return Buffer.concat(parts);
}

function parseJsonObject(text: string, param: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`Invalid JSON in ${param}: ${(error as Error).message}`, { param });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidRequestError(`${param} must be a JSON object, not a list, string, or other type.`, { param });
  return parsed as Record<string, unknown>;
}

/** `{"type": "auto"}` or `{"type": "static", "static": {...}}`, as Llama Stack's route requires (the type is not optional here). */
function parseChunkingStrategy(text: string): ChunkingStrategyRequest {
  const parsed = parseJsonObject(text, 'chunking_strategy');
  if (parsed.type !== 'auto' && parsed.type !== 'static') throw new InvalidRequestError(`Invalid chunking strategy type: ${String(parsed.type)}`, { param: 'chunking_strategy' });
  chunkingStrategyValidator ??= compileApiValidator<ChunkingStrategyRequest>('ChunkingStrategyRequest');
  try {
    const strategy = chunkingStrategyValidator(parsed);
    if (strategy.type === 'static' && strategy.static.chunk_overlap_tokens !== undefined && strategy.static.chunk_overlap_tokens > (strategy.static.max_chunk_size_tokens ?? 800) / 2) {
      throw new InvalidRequestError('chunk_overlap_tokens must be at most half of max_chunk_size_tokens.');
    }
    return strategy;
  } catch (error) {
    if (!isCriaError(error, 'invalid_request')) throw error;
    throw new InvalidRequestError(`Invalid chunking strategy: ${error.message}`, { param: error.param ? `chunking_strategy.${error.param}` : 'chunking_strategy' });
  }
}

const route = routesOf('file_processors');

export const fileProcessorsRoutes = [
  route({
    method: 'POST',
    path: '/v1alpha/file-processors/process',
    operation: 'processFile',
    summary: 'Process a file into chunks ready for a vector store (multipart/form-data: a `file` part or `file_id`, optional `chunking_strategy` and `options` as JSON).',
    requestForm: 'FileProcessorsProcessForm',
    response: 'ProcessFileResponse',
    async handler({ api, form, headers, context }) {
      const declared = Number(headers['content-length']);
      if (declared > MAX_PROCESS_UPLOAD_BYTES + FORM_OVERHEAD_BYTES) {
        throw new PayloadTooLargeError(`The upload is ${declared} bytes; files may be at most ${MAX_PROCESS_UPLOAD_BYTES} bytes.`, { param: 'file', code: 'file_too_large' });
      }
      let file: { filename: string; content: Buffer; contentType?: string } | undefined;
      try {
        const part = await form.file;
        file = { filename: part.filename, contentType: part.contentType, content: await readUpload(part.stream) };
      } catch (error) {
        // No file part: the form was read to its end without one; file_id must name the file.
        if (!(isCriaError(error, 'invalid_request') && error.param === 'file' && /Missing required parameter/.test(error.message))) throw error;
      }
      const fields = await form.fields();
      return {
        json: await api.processFile(
          {
            ...(file ? { file } : {}),
            ...(fields.file_id ? { fileId: fields.file_id } : {}),
            options: fields.options ? parseJsonObject(fields.options, 'options') : null,
            chunkingStrategy: fields.chunking_strategy ? parseChunkingStrategy(fields.chunking_strategy) : null,
          },
          context,
        ),
      };
    },
  }),
];
