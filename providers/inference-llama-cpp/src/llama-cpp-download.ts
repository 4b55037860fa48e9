import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { DEFAULT_QUANT, type ModelSource } from './llama-cpp-model-source.js';

/** How far a download is. */
export interface DownloadProgress {
  /** Bytes on disk so far (resumed bytes included). */
  received: number;
  /** The file's size, when the server said. */
  total: number | null;
  /** Bytes already on disk when this download started (a resumed `.part`). */
  resumedFrom: number;
}

export interface DownloadOptions {
  /** Called at most every 100 ms while bytes arrive, and once at the end. */
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** The Hugging Face endpoint; default `HF_ENDPOINT` or https://huggingface.co. */
  huggingFaceEndpoint?: string;
  /** A Hugging Face token for gated repositories; default `HF_TOKEN`. */
  huggingFaceToken?: string | null;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** The sha256 checked against the source's, or null when the source gave none. */
  sha256: string | null;
  /** Whether the file was already complete (nothing downloaded). */
  alreadyPresent: boolean;
  url: string;
}

/** A download failed; the message is one line that says what to do. */
export class ModelDownloadError extends Error {
  constructor(
    message: string,
    readonly offline = false,
  ) {
    super(message);
    this.name = 'ModelDownloadError';
  }
}

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `fetch` that turns network failures into one clear line. */
async function request(url: string, init: RequestInit, localPath: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    const code = errorCode(error);
    const host = new URL(url).host;
    if (code && OFFLINE_CODES.has(code)) {
      throw new ModelDownloadError(`cannot reach ${host} (${code}): the network is not reachable; copy the model to ${localPath} by other means, or register a local path as provider_model_id.`, true);
    }
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new ModelDownloadError(`request to ${host} failed: ${cause ?? (error as Error).message}`);
  }
}

function authHeaders(url: string, endpoint: string, token: string | null | undefined): Record<string, string> {
  return token && url.startsWith(endpoint) ? { authorization: `Bearer ${token}` } : {};
}

/** Picks the GGUF of a quantization from a repository's file list. */
export function pickQuantFile(files: readonly string[], quant: string | null): string | undefined {
  const ggufs = files.filter((file) => file.toLowerCase().endsWith('.gguf') && !/-\d{5}-of-\d{5}\.gguf$/i.test(file));
  const wanted = (quant ?? DEFAULT_QUANT).toLowerCase();
  // The quantization as a whole word of the file name: "q4_k_m" matches "model-Q4_K_M.gguf", not "model-Q4_K_M_L.gguf".
  const matches = ggufs.filter((file) => new RegExp(`(^|[^a-z0-9])${wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9_]|$)`, 'i').test(file.toLowerCase().replace(/\.gguf$/, '')));
  return matches.sort((a, b) => a.length - b.length)[0];
}

/** The files of a Hugging Face repository (the Hub's model API), as its paths. */
export async function listRepositoryFiles(owner: string, repo: string, localPath: string, options: DownloadOptions = {}): Promise<string[]> {
  const endpoint = (options.huggingFaceEndpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = options.huggingFaceToken === undefined ? (process.env.HF_TOKEN ?? null) : options.huggingFaceToken;
  const listUrl = `${endpoint}/api/models/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  const response = await request(listUrl, { headers: { accept: 'application/json', ...authHeaders(listUrl, endpoint, token) }, ...(options.signal ? { signal: options.signal } : {}) }, localPath);
  if (response.status === 401 || response.status === 403) throw new ModelDownloadError(`${owner}/${repo} needs a Hugging Face token: set HF_TOKEN (answered ${response.status}).`);
  if (response.status === 404) throw new ModelDownloadError(`no Hugging Face repository ${owner}/${repo}.`);
  if (!response.ok) throw new ModelDownloadError(`listing ${owner}/${repo} failed: ${response.status} ${response.statusText}.`);
  const listing = (await response.json()) as { siblings?: { rfilename?: string }[] };
  return (listing.siblings ?? []).map((sibling) => sibling.rfilename).filter((name): name is string => typeof name === 'string');
}

/** The URL a source downloads from; `hf:<owner>/<repo>:<quant>` asks the Hub which file that is. */
export async function resolveDownloadUrl(source: Exclude<ModelSource, { kind: 'local' }>, options: DownloadOptions = {}): Promise<string> {
  if (source.kind === 'url') return source.url;
  const endpoint = (options.huggingFaceEndpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const repoPath = `${encodeURIComponent(source.owner)}/${encodeURIComponent(source.repo)}`;
  if (source.file) return `${endpoint}/${repoPath}/resolve/main/${source.file.split('/').map(encodeURIComponent).join('/')}`;
  const files = await listRepositoryFiles(source.owner, source.repo, source.localPath, options);
  const file = pickQuantFile(files, source.quant);
  if (!file) {
    const available = files.filter((name) => name.toLowerCase().endsWith('.gguf'));
    throw new ModelDownloadError(`${source.owner}/${source.repo} has no ${source.quant ?? DEFAULT_QUANT} GGUF${available.length ? ` (it has: ${available.join(', ')})` : ' (it has no .gguf file)'}.`);
  }
  return `${endpoint}/${repoPath}/resolve/main/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** A sha256 a server vouches for: Hugging Face's x-linked-etag (LFS oid), or an etag that is one. */
function sha256From(headers: Headers): string | null {
  for (const name of ['x-linked-etag', 'x-xet-hash', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
    if (value && /^[0-9a-f]{64}$/.test(value)) return value;
  }
  return null;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Downloads a model to `source.localPath`: through `<file>.part`, resumed with an HTTP Range when
 * a `.part` is left from before, verified by size and (when the source gives one) sha256, then
 * renamed into place. A file already present is left alone.
 */
export async function downloadModel(source: Exclude<ModelSource, { kind: 'local' }>, options: DownloadOptions = {}): Promise<DownloadResult> {
  const target = source.localPath;
  if (existsSync(target)) return { path: target, bytes: statSync(target).size, sha256: null, alreadyPresent: true, url: source.kind === 'url' ? source.url : source.id };
  const url = await resolveDownloadUrl(source, options);
  const endpoint = (options.huggingFaceEndpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = options.huggingFaceToken === undefined ? (process.env.HF_TOKEN ?? null) : options.huggingFaceToken;
  mkdirSync(dirname(target), { recursive: true });
  const part = `${target}.part`;
  let offset = existsSync(part) ? statSync(part).size : 0;

  // Redirects are followed by hand: Hugging Face names the file's sha256 and size on the first
  // answer (x-linked-etag, x-linked-size), and the CDN it redirects to does not.
  let current = url;
  let expectedSha: string | null = null;
  let linkedSize: number | null = null;
  let response: Response | undefined;
  for (let hop = 0; hop < 8; hop++) {
    const headers: Record<string, string> = { ...authHeaders(current, endpoint, token), 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    response = await request(current, { headers, redirect: 'manual', ...(options.signal ? { signal: options.signal } : {}) }, target);
    expectedSha ??= sha256From(response.headers);
    const size = Number(response.headers.get('x-linked-size'));
    if (Number.isFinite(size) && size > 0) linkedSize ??= size;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    break;
  }
  if (!response) throw new ModelDownloadError(`no answer from ${url}`);
  if (response.status === 416 && offset > 0 && linkedSize !== null && offset === linkedSize) {
    // The .part already holds every byte: only verification is left.
    await response.body?.cancel();
  } else if (response.status === 416) {
    // The .part does not fit this file (it changed upstream): start over.
    await response.body?.cancel();
    unlinkSync(part);
    return downloadModel(source, options);
  } else if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new ModelDownloadError(`${url} answered ${response.status}: the model is gated or private; set HF_TOKEN to a token that may read it.`);
  } else if (!response.ok) {
    await response.body?.cancel();
    throw new ModelDownloadError(`${url} answered ${response.status} ${response.statusText}.`);
  }

  let total: number | null = linkedSize;
  if (response.status === 206) {
    const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
    if (range) total = Number(range[1]);
  } else if (response.ok) {
    // A full answer: the server ignored the Range (or there was none); start from byte 0.
    offset = 0;
    const length = Number(response.headers.get('content-length'));
    if (Number.isFinite(length) && length > 0) total = length;
  }
  const resumedFrom = offset;
  if (response.ok && response.body) {
    const output = createWriteStream(part, { flags: response.status === 206 ? 'a' : 'w' });
    let received = offset;
    let lastReport = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (!output.write(chunk)) await new Promise<void>((resolveDrain) => output.once('drain', resolveDrain));
        received += chunk.byteLength;
        const now = Date.now();
        if (options.onProgress && now - lastReport >= 100) {
          lastReport = now;
          options.onProgress({ received, total, resumedFrom });
        }
      }
    } catch (error) {
      output.end();
      await finished(output).catch(() => undefined);
      if ((error as Error).name === 'AbortError') throw error;
      throw new ModelDownloadError(`the download of ${url} broke off after ${received} bytes (${(error as Error).message}); run the same command again to resume.`);
    }
    output.end();
    await finished(output);
    options.onProgress?.({ received, total, resumedFrom });
  }

  const bytes = statSync(part).size;
  if (total !== null && bytes !== total) {
    throw new ModelDownloadError(`the download of ${url} is incomplete (${bytes} of ${total} bytes); run the same command again to resume.`);
  }
  if (expectedSha) {
    const actual = await sha256OfFile(part);
    if (actual !== expectedSha) {
      unlinkSync(part);
      throw new ModelDownloadError(`the download of ${url} is corrupt (sha256 ${actual}, expected ${expectedSha}); it was deleted, run the same command again.`);
    }
  }
  renameSync(part, target);
  return { path: target, bytes, sha256: expectedSha, alreadyPresent: false, url };
}
