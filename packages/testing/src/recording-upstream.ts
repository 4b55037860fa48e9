import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A request and reply recorded from a real provider (Llama Stack's recording format). */
export interface ProviderRecording {
  file: string;
  request: { method: string; url: string; body?: any };
  response: {
    body: unknown;
    is_streaming?: boolean;
    /** The provider answered with an error (its status and error body are in exception_data). */
    is_exception?: boolean;
    exception_data?: { status_code?: number; body?: unknown; message?: string };
  };
}

/** Strips the `__type__`/`__data__` wrappers of a recording. */
export function unwrapRecorded(value: unknown): any {
  if (Array.isArray(value)) return value.map(unwrapRecorded);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('__data__' in record) return unwrapRecorded(record.__data__);
    return Object.fromEntries(Object.entries(record).map(([key, entry]) => [key, unwrapRecorded(entry)]));
  }
  return value;
}

/** The OpenAI path a recording answers: /chat/completions, /completions, /embeddings or /models. */
export function recordedPath(url: string): string {
  const path = new URL(url).pathname;
  for (const candidate of ['/chat/completions', '/completions', '/embeddings', '/models']) if (path.endsWith(candidate)) return candidate;
  return path;
}

/** Loads the recordings in a directory (Llama Stack's provider-recordings layout). */
export function loadRecordings(dir: string): ProviderRecording[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<ProviderRecording, 'file'>) }));
}

/** JSON with object keys sorted, so equal bodies give equal keys whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((key) => (value as Record<string, unknown>)[key] !== undefined).map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function keyOf(path: string, body: unknown): string {
  return `${path} ${body === undefined ? '' : canonicalJson(body)}`;
}

/**
 * Serves recorded replies as the provider sent them: JSON bodies, SSE streams of the recorded
 * chunks ending with [DONE], or the recorded error. A request matches a recording when its path
 * and body equal the recorded ones; anything else gets a 404.
 */
export class RecordingUpstream {
  private constructor(private readonly server: Server) {}

  /** The recordings a replayer answers with: of several with the same request, the last. */
  static served(recordings: readonly ProviderRecording[]): ProviderRecording[] {
    const replies = new Map<string, ProviderRecording>();
    for (const recording of recordings) replies.set(keyOf(recordedPath(recording.request.url), recording.request.body), recording);
    return [...replies.values()];
  }

  static async start(recordings: readonly ProviderRecording[]): Promise<RecordingUpstream> {
    const replies = new Map<string, ProviderRecording>();
    for (const recording of RecordingUpstream.served(recordings)) replies.set(keyOf(recordedPath(recording.request.url), recording.request.body), recording);
    const server = createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const path = recordedPath(`http://x${req.url}`);
      const recording = replies.get(keyOf(path, raw ? JSON.parse(raw) : undefined));
      if (!recording) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no recording for ${req.method} ${req.url}`, type: 'not_found' } }));
        return;
      }
      if (recording.response.is_exception) {
        const exception = recording.response.exception_data ?? {};
        res.writeHead(exception.status_code ?? 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: exception.body ?? { message: exception.message ?? 'recorded failure' } }));
        return;
      }
      const body = unwrapRecorded(recording.response.body);
      if (recording.response.is_streaming) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const chunk of body as unknown[]) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      const reply = path === '/models' && Array.isArray(body) ? { object: 'list', data: body } : body;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RecordingUpstream(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Real provider replies shipped with @cria/testing (Llama Stack's recordings, a subset). */
export const INFERENCE_RECORDINGS_DIR = fileURLToPath(new URL('../fixtures/provider-recordings/inference', import.meta.url));
