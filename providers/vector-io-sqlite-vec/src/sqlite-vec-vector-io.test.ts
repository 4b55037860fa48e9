import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VectorChunk } from '@cria/api';
import { createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import sqliteVecProvider from './index.js';
import { ftsQuery } from './sqlite-vec-store.js';
import { resolveConfigPath as resolveDbPath } from '@cria/api';

const persistence = { backend: 'kv_default', namespace: 'vector_io::sqlite_vec' };

describeVectorIOContract('inline::sqlite-vec', async () => restartableProvider(sqliteVecProvider, { db_path: 'sqlite_vec.db', persistence }));

/** Deterministic 4-dimensional chunks, `group` cycling through `groups` values. */
function chunks(count: number, groups: number): VectorChunk[] {
  return Array.from({ length: count }, (_, index) => ({
    chunkId: `c${index}`,
    content: `chunk ${index}`,
    embedding: [Math.sin(index), Math.cos(index * 0.7), Math.sin(index * 1.3), 1],
    metadata: { group: index % groups },
  }));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  const dot = a.reduce((sum, value, index) => sum + value * b[index]!, 0);
  return dot / Math.sqrt(a.reduce((sum, value) => sum + value * value, 0) * b.reduce((sum, value) => sum + value * value, 0));
}

describe('inline::sqlite-vec', () => {
  const temp = temporaryDirectory('cria-sqlite-vec-');
  afterAll(() => temp.remove());

  it('resolves db_path against the distribution directory and the home directory', async () => {
    expect(resolveDbPath('data/vec.db', '/srv/distro')).toBe('/srv/distro/data/vec.db');
    expect(resolveDbPath('/abs/vec.db', '/srv/distro')).toBe('/abs/vec.db');
    expect(resolveDbPath('~/vec.db', '/srv/distro')).toBe(join(homedir(), 'vec.db'));
    const provider = await createTestProvider(sqliteVecProvider, { db_path: 'nested/dir/vectors.db', persistence }, { dataDir: temp.dir, distributionDir: join(temp.dir, 'distro') });
    await provider.close();
    expect(existsSync(join(temp.dir, 'distro', 'nested', 'dir', 'vectors.db'))).toBe(true);
  });

  it('rejects a config without db_path or persistence', async () => {
    await expect(createTestProvider(sqliteVecProvider, { persistence }, { dataDir: temp.dir })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('db_path') });
    await expect(createTestProvider(sqliteVecProvider, { db_path: 'x.db' }, { dataDir: temp.dir })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('persistence') });
  });

  it('searches exactly past sqlite-vec KNN limit and among thousands of filtered candidates', async () => {
    const provider = await createTestProvider(sqliteVecProvider, { db_path: 'limits.db', persistence }, { dataDir: temp.dir });
    try {
      const data = chunks(5000, 10);
      await provider.impl.registerVectorStore({ id: 'vs_limits', embeddingModel: 'm', embeddingDimension: 4 });
      await provider.impl.insertChunks('vs_limits', data);
      const query = [0.3, -0.2, 0.9, 0.5];
      const exact = data.map((chunk) => ({ id: chunk.chunkId, score: cosine(chunk.embedding, query), group: chunk.metadata.group })).sort((a, b) => b.score - a.score);

      const all = await provider.impl.queryChunks('vs_limits', { mode: 'vector', embedding: query, maxChunks: 4500 });
      expect(all).toHaveLength(4500);
      expect(all.slice(0, 20).map((match) => match.chunkId)).toEqual(exact.slice(0, 20).map((entry) => entry.id));

      // 4,500 chunks pass the filter: the KNN search runs among their rowids.
      const filtered = await provider.impl.queryChunks('vs_limits', { mode: 'vector', embedding: query, maxChunks: 10, filter: { type: 'ne', key: 'group', value: 3 } });
      expect(filtered.map((match) => match.chunkId)).toEqual(exact.filter((entry) => entry.group !== 3).slice(0, 10).map((entry) => entry.id));
    } finally {
      await provider.close();
    }
  });

  it('reopens after a restart a store whose id starts with a character beyond U+FFFF', async () => {
    const provider = restartableProvider(sqliteVecProvider, { db_path: 'restart.db', persistence });
    try {
      const first = await provider.open();
      await first.registerVectorStore({ id: '🦙_store', embeddingModel: 'm', embeddingDimension: 4 });
      await first.insertChunks('🦙_store', chunks(3, 1));
      await first.shutdown!();
      const second = await provider.open();
      expect((await second.listChunks('🦙_store', { chunkIds: ['c0', 'c1', 'c2'] })).map((chunk) => chunk.chunkId)).toEqual(['c0', 'c1', 'c2']);
      await second.shutdown!();
    } finally {
      await provider.close();
    }
  });

  it('turns query text into quoted FTS5 words, never FTS5 syntax', () => {
    expect(ftsQuery('Llamas AND "alpacas" NEAR(x) -camel*')).toBe('"llamas" OR "and" OR "alpacas" OR "near" OR "x" OR "camel"');
    expect(ftsQuery('Ünïcödé 42')).toBe('"ünïcödé" OR "42"');
    expect(ftsQuery(' -- !! ')).toBeNull();
  });
});
