import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRequestError, type KvStore } from '@cria/api';
import { temporaryDirectory } from '@cria/testing';
import { StorageBackends } from '../../storage/storage-backends.js';
import { PromptsRouter } from './prompts-router.js';

describe('PromptsRouter', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A prompts store whose writes take a while, so concurrent requests overlap. */
  async function slowStore(): Promise<KvStore> {
    const data = temporaryDirectory();
    const storage = new StorageBackends({ kv_default: { type: 'kv_sqlite', db_path: join(data.dir, 'kvstore.db') } });
    cleanups.push(data.remove, () => storage.close());
    const kv = await storage.kv({ backend: 'kv_default', namespace: 'prompts' });
    return {
      get: (key) => kv.get(key),
      set: async (key, value, options) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await kv.set(key, value, options);
      },
      delete: (key) => kv.delete(key),
      valuesInRange: (start, end) => kv.valuesInRange(start, end),
      keysInRange: (start, end) => kv.keysInRange(start, end),
    };
  }

  it('lets one of two concurrent updates of the same version win; the other is stale', async () => {
    const store = await slowStore();
    const router = new PromptsRouter(async () => store);
    const created = await router.createPrompt({ prompt: 'v1' });
    const results = await Promise.allSettled([
      router.updatePrompt(created.prompt_id, { prompt: 'a', version: 1 }),
      router.updatePrompt(created.prompt_id, { prompt: 'b', version: 1 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(InvalidRequestError.is((results[1] as PromiseRejectedResult).reason)).toBe(true);
    expect((await router.listPromptVersions(created.prompt_id)).data.map((prompt) => [prompt.version, prompt.prompt])).toEqual([[1, 'v1'], [2, 'a']]);
  });

  it('goes on after a failed write to the same prompt', async () => {
    const router = new PromptsRouter(async () => slowStore());
    const created = await router.createPrompt({ prompt: 'v1' });
    await expect(router.updatePrompt(created.prompt_id, { prompt: '{{ x }}', version: 1 })).rejects.toThrow(/undeclared variables: \['x'\]/);
    expect(await router.updatePrompt(created.prompt_id, { prompt: '{{ x }}', version: 1, variables: ['x'] })).toMatchObject({ version: 2, is_default: true });
  });
});
