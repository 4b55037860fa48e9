import { existsSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FilesProvider, type FileUpload, InvalidRequestError, NotFoundError, PayloadTooLargeError, type RequestContext } from '@cria/api';
import { createTestProvider, describeFilesContract, restartableProvider, type TestProvider, temporaryDirectory } from '@cria/testing';
import localfs, { sanitizeFilename } from '../src/index.js';

const context: RequestContext = { signal: new AbortController().signal, providerData: null };

async function* chunks(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

function upload(content: AsyncIterable<Uint8Array>, overrides: Partial<FileUpload> = {}): FileUpload {
  return { filename: 'notes.txt', content, fields: async () => ({ purpose: 'assistants' }), ...overrides };
}

async function text(files: FilesProvider, id: string): Promise<string> {
  const content = await files.retrieveFileContent(id);
  const parts: Buffer[] = [];
  for await (const part of content.stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString();
}

describeFilesContract('inline::localfs', () => restartableProvider(localfs, { storage_dir: 'files', metadata_store: { backend: 'sql_default' }, max_file_size_bytes: 1024 }), { maxFileSizeBytes: 1024 });

describe('inline::localfs', () => {
  let data: ReturnType<typeof temporaryDirectory>;
  let provider: TestProvider<FilesProvider>;
  const storageDir = () => join(data.dir, 'files');
  const open = (extra: Record<string, unknown> = {}) =>
    createTestProvider(localfs, { storage_dir: 'files', metadata_store: { backend: 'sql_default' }, max_file_size_bytes: 1024, ...extra }, { dataDir: data.dir });

  beforeEach(async () => {
    data = temporaryDirectory();
    provider = await open();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await provider.close();
    data.remove();
  });

  it('stores the bytes under storage_dir (relative to the distribution) and the metadata in the table', async () => {
    const file = await provider.impl.uploadFile(upload(chunks('hello ', 'world')), context);
    expect(file).toMatchObject({ object: 'file', bytes: 11, filename: 'notes.txt', purpose: 'assistants', status: 'processed' });
    expect(file).not.toHaveProperty('expires_at');
    expect(readdirSync(storageDir())).toEqual([file.id]);
    expect(await text(provider.impl, file.id)).toBe('hello world');
    expect(await provider.impl.retrieveFile(file.id)).toEqual(file);
  });

  it('refuses a file past the limit while streaming it, leaving nothing behind', async () => {
    const tooBig = provider.impl.uploadFile(upload(chunks('a'.repeat(600), 'b'.repeat(600))), context);
    await expect(tooBig).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(tooBig).rejects.toMatchObject({ param: 'file', code: 'file_too_large' });
    expect(readdirSync(storageDir())).toEqual([]);
    expect((await provider.impl.listFiles({})).data).toEqual([]);
  });

  it('hides and removes files past their expiry (expires_after, or ttl_secs by default)', async () => {
    const expiring = await provider.impl.uploadFile(upload(chunks('soon gone'), { fields: async () => ({ purpose: 'assistants', expiresAfterSeconds: 3600 }) }), context);
    const lasting = await provider.impl.uploadFile(upload(chunks('stays')), context);
    expect(expiring.expires_at).toBe(expiring.created_at + 3600);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3601 * 1000);
    expect((await provider.impl.listFiles({})).data.map((file) => file.id)).toEqual([lasting.id]);
    await expect(provider.impl.retrieveFile(expiring.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(existsSync(join(storageDir(), expiring.id))).toBe(false);
    vi.useRealTimers();

    await provider.close();
    provider = await open({ ttl_secs: 7200 });
    const defaulted = await provider.impl.uploadFile(upload(chunks('ttl')), context);
    expect(defaulted.expires_at).toBe(defaulted.created_at + 7200);
  });

  it('at start-up removes interrupted uploads and bytes without metadata, keeping the files it lists', async () => {
    const kept = await provider.impl.uploadFile(upload(chunks('kept')), context);
    await provider.close();
    mkdirSync(storageDir(), { recursive: true });
    writeFileSync(join(storageDir(), '.upload-file-0123abcd.tmp'), 'half an upload');
    writeFileSync(join(storageDir(), 'file-00ff00ff'), 'renamed, metadata never written');
    provider = await open();
    expect(readdirSync(storageDir())).toEqual([kept.id]);
    expect(await text(provider.impl, kept.id)).toBe('kept');
  });

  it('forgets a file whose bytes disappeared', async () => {
    const file = await provider.impl.uploadFile(upload(chunks('vanishing')), context);
    unlinkSync(join(storageDir(), file.id));
    await expect(provider.impl.retrieveFileContent(file.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(provider.impl.retrieveFile(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('sanitises filenames for storage and headers', () => {
    expect(sanitizeFilename('../../secret/report.pdf')).toBe('report.pdf');
    expect(sanitizeFilename('C:\\docs\\a"b\u0007.txt')).toBe('ab.txt');
    expect(sanitizeFilename('..')).toBe('uploaded_file');
    expect(sanitizeFilename('')).toBe('uploaded_file');
  });
});
