import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResponseObject } from '@cria/api';
import { StorageBackends } from '@cria/core';
import { temporaryDirectory } from '@cria/testing';
import { ResponsesStore } from './responses-store.js';

describe('responses store write-behind', () => {
  const temp = temporaryDirectory('cria-responses-store-');
  const storage = new StorageBackends({ sql_default: { type: 'sql_sqlite', db_path: join(temp.dir, 'sql.db') } });
  afterAll(async () => {
    await storage.close();
    temp.remove();
  });

  it('counts the writes not yet committed, with the age of the oldest, until they are', async () => {
    const store = new ResponsesStore(() => storage.sql({ backend: 'sql_default', table_name: 'responses' }), 'responses');
    expect(store.writeBehind()).toEqual({ records: 0, lagSeconds: 0 });
    const failures: Error[] = [];
    for (const id of ['resp_1', 'resp_2']) {
      const response = { id, object: 'response', created_at: 1_700_000_000, model: 'm', status: 'completed', output: [] } as unknown as ResponseObject;
      store.saveBehind({ response, input: [], messages: [] }, Date.now(), (error) => failures.push(error));
    }
    const behind = store.writeBehind();
    expect(behind.records).toBe(2);
    expect(behind.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(behind.lagSeconds).toBeLessThan(5);
    await store.settle();
    expect(failures).toEqual([]);
    expect(store.writeBehind()).toEqual({ records: 0, lagSeconds: 0 });
    expect((await store.get('resp_2')).response.id).toBe('resp_2');
  });
});
