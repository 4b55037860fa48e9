import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, PayloadTooLargeError } from '@cria/api';

function parseJsonBody(chunks: Buffer[], size: number): unknown {
  if (size === 0) throw new InvalidRequestError('The request body is empty: send a JSON object.');
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('We could not parse the JSON body of your request. The request body must be a JSON object.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequestError('The request body must be a JSON object.');
  return body;
}

/** Reads and parses a JSON body once, with plain stream events (this is on every POST's path). */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(`The request body is ${declared} bytes; the limit is ${limit}.`));
  const contentType = req.headers['content-type'];
  if (contentType?.startsWith('multipart/')) {
    return Promise.reject(new InvalidRequestError(`Unsupported content type '${contentType}': send the request body as application/json.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Discard the rest so the 413 can still be answered on this connection.
      req.off('data', onData);
      req.resume();
      reject(new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes.`));
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size > limit) return;
      try {
        resolve(parseJsonBody(chunks, size));
      } catch (error) {
        reject(error);
      }
    });
  });
}
