import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FilesProvider, type FileUpload, type FileUploadFields, InvalidRequestError, NotFoundError, PayloadTooLargeError, type ProviderLifecycle, type RequestContext } from '@cria/api';
import type { RestartableProvider } from './provider-harness.js';

export interface FilesContractOptions {
  /** The provider's size limit in the setup's config: uploads past it must be refused. */
  maxFileSizeBytes: number;
}

const context: RequestContext = { signal: new AbortController().signal, providerData: null };

async function* bytes(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

function upload(content: AsyncIterable<Uint8Array>, filename = 'notes.txt', fields: Partial<FileUploadFields> = {}): FileUpload {
  return { filename, content, fields: async () => ({ purpose: 'assistants', ...fields }) };
}

async function contentText(files: FilesProvider, id: string): Promise<string> {
  const content = await files.retrieveFileContent(id);
  const parts: Buffer[] = [];
  for await (const part of content.stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts).toString();
}

/**
 * The files contract every files provider passes: what OpenAI's Files API promises (ids, paging,
 * purposes, expiry, content), an upload that fails leaving nothing listed, and files surviving a
 * restart. `setup` reopens the provider on the same storage for the restart check.
 */
export function describeFilesContract(name: string, setup: () => RestartableProvider<FilesProvider>, options: FilesContractOptions): void {
  describe(`files contract: ${name}`, () => {
    let provider: RestartableProvider<FilesProvider>;
    let files: FilesProvider & ProviderLifecycle;

    beforeEach(async () => {
      provider = setup();
      files = await provider.open();
    });
    afterEach(async () => {
      vi.useRealTimers();
      await files.shutdown?.();
      await provider.close();
    });

    it('stores a file, answers its object and its exact bytes', async () => {
      const file = await files.uploadFile(upload(bytes('hello ', 'world', Buffer.from([0, 255]))), context);
      expect(file).toMatchObject({ object: 'file', bytes: 13, filename: 'notes.txt', purpose: 'assistants', status: 'processed' });
      // OpenAI leaves out what is not set: a file that does not expire has no expires_at.
      expect(file).not.toHaveProperty('expires_at');
      expect(file).not.toHaveProperty('status_details');
      expect(file.id).toMatch(/^file-/);
      expect(await files.retrieveFile(file.id)).toEqual(file);
      const content = await files.retrieveFileContent(file.id);
      expect(content.file).toEqual(file);
      const parts: Buffer[] = [];
      for await (const part of content.stream) parts.push(Buffer.from(part));
      expect(Buffer.concat(parts)).toEqual(Buffer.concat([Buffer.from('hello world'), Buffer.from([0, 255])]));
    });

    it('lists newest first by default, filters by purpose, pages with after, and deletes', async () => {
      const first = await files.uploadFile(upload(bytes('1'), 'one.jsonl', { purpose: 'batch' }), context);
      const second = await files.uploadFile(upload(bytes('2'), 'two.txt'), context);
      const third = await files.uploadFile(upload(bytes('3'), 'three.txt'), context);
      expect((await files.listFiles({})).data.map((file) => file.id)).toEqual([third.id, second.id, first.id]);
      expect((await files.listFiles({ purpose: 'batch' })).data.map((file) => file.id)).toEqual([first.id]);
      const page = await files.listFiles({ order: 'asc', limit: 1 });
      expect(page).toMatchObject({ object: 'list', first_id: first.id, last_id: first.id, has_more: true });
      expect(await files.listFiles({ order: 'asc', limit: 5, after: first.id })).toMatchObject({ has_more: false, data: [{ id: second.id }, { id: third.id }] });
      expect(await files.deleteFile(second.id)).toEqual({ id: second.id, object: 'file', deleted: true });
      await expect(files.retrieveFile(second.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(files.retrieveFileContent(second.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(files.deleteFile(second.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(files.retrieveFile('file-does-not-exist')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses an upload past its size limit while reading it, keeping nothing', async () => {
      const half = 'x'.repeat(Math.ceil(options.maxFileSizeBytes / 2) + 1);
      await expect(files.uploadFile(upload(bytes(half, half)), context)).rejects.toBeInstanceOf(PayloadTooLargeError);
      expect((await files.listFiles({})).data).toEqual([]);
    });

    it('keeps nothing of an upload whose fields are invalid or whose stream breaks', async () => {
      const invalid: FileUpload = { filename: 'x.txt', content: bytes('content'), fields: () => Promise.reject(new InvalidRequestError("Missing required parameter: 'purpose'.", { param: 'purpose' })) };
      await expect(files.uploadFile(invalid, context)).rejects.toMatchObject({ param: 'purpose' });
      async function* broken(): AsyncIterable<Uint8Array> {
        yield Buffer.from('partial');
        throw new Error('connection reset');
      }
      await expect(files.uploadFile(upload(broken()), context)).rejects.toThrow('connection reset');
      expect((await files.listFiles({})).data).toEqual([]);
    });

    it('hides a file once expires_after has passed', async () => {
      const expiring = await files.uploadFile(upload(bytes('soon gone'), 'soon.txt', { expiresAfterSeconds: 3600 }), context);
      const lasting = await files.uploadFile(upload(bytes('stays')), context);
      expect(expiring.expires_at).toBe(expiring.created_at + 3600);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 3601 * 1000);
      expect((await files.listFiles({})).data.map((file) => file.id)).toEqual([lasting.id]);
      await expect(files.retrieveFile(expiring.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(files.retrieveFileContent(expiring.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('keeps files and their bytes across a restart', async () => {
      const file = await files.uploadFile(upload(bytes('durable')), context);
      await files.shutdown?.();
      files = await provider.open();
      expect(await files.retrieveFile(file.id)).toEqual(file);
      expect(await contentText(files, file.id)).toBe('durable');
    });
  });
}
