import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '@cria/api';
import { createLogger } from '../../logger.js';
import { StorageBackends } from '../../storage/storage-backends.js';
import { InferenceStore } from './inference-store.js';

function completion(id: string, model = 'p/m'): ChatCompletion {
  return { id, object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: `answer ${id}` }, finish_reason: 'stop' }] };
}

describe('inference store', () => {
  it('queues writes off the request path and shows them to readers at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-store-'));
    const storage = new StorageBackends({ sql: { type: 'sql_sqlite', db_path: join(dir, 'sql.db') } });
    const store = new InferenceStore(() => storage.sql({ backend: 'sql' }), createLogger('test', 100), { flushDelayMs: 60_000 });
    await store.initialize();
    for (let index = 0; index < 5; index++) store.record(completion(`c${index}`, index % 2 ? 'p/odd' : 'p/even'), [{ role: 'user', content: `q${index}` }]);
    // The write-behind's gauges: five records not yet written, the oldest waiting for some time.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const behind = store.writeBehind();
    expect(behind.records).toBe(5);
    expect(behind.lagSeconds).toBeGreaterThanOrEqual(0.015);
    expect(behind.lagSeconds).toBeLessThan(5);
    const page = await store.list({ limit: 2 });
    expect(store.writeBehind()).toEqual({ records: 0, lagSeconds: 0 });
    expect(page.data.map((entry) => entry.id)).toEqual(['c4', 'c3']);
    expect(page).toMatchObject({ object: 'list', first_id: 'c4', last_id: 'c3', has_more: true });
    const next = await store.list({ limit: 2, after: 'c3' });
    expect(next.data.map((entry) => entry.id)).toEqual(['c2', 'c1']);
    expect((await store.list({ order: 'asc', model: 'p/odd' })).data.map((entry) => entry.id)).toEqual(['c1', 'c3']);
    const stored = await store.get('c2');
    expect(stored.input_messages).toEqual([{ role: 'user', content: 'q2' }]);
    const messages = await store.listMessages('c2');
    expect(messages.data).toEqual([{ role: 'user', content: 'q2', id: 'c2-0' }]);
    await expect(store.get('missing')).rejects.toThrow(/not found/);

    // A duplicate id does not lose the other writes of its batch.
    store.record(completion('c0'), []);
    store.record(completion('c9'), []);
    expect((await store.get('c9')).id).toBe('c9');

    // Restarted, the store keeps its order.
    await store.close();
    const reopened = new InferenceStore(() => storage.sql({ backend: 'sql' }), createLogger('test', 100));
    await reopened.initialize();
    reopened.record(completion('c10'), []);
    expect((await reopened.list({ limit: 1 })).data[0]!.id).toBe('c10');
    await storage.close();
  });
});
