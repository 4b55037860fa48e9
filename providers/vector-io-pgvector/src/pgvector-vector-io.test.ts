import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttributeFilter, type VectorChunk, type VectorIOProvider } from '@cria/api';
import { createTestProvider, describeVectorIOContract, type PgliteServer, restartableProvider, startPgliteServer, type TestProvider, temporaryDirectory } from '@cria/testing';
import pgvectorProvider from './index.js';
import { tableName } from './pgvector-vector-io.js';

// One PGlite server for the file: it takes seconds to start.
let serverStarted: Promise<PgliteServer> | undefined;
const pglite = () => (serverStarted ??= startPgliteServer());
afterAll(async () => {
  if (serverStarted) await (await serverStarted).close();
});

/** The provider's config for a PGlite server, with `config` on top. */
function pgvectorConfig(server: PgliteServer, config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: server.host,
    port: server.port,
    db: server.database,
    user: server.user,
    password: server.password,
    persistence: { backend: 'kv_default', namespace: 'vector_io::pgvector' },
    ...config,
  };
}

/** The provider on the PGlite server, its registry in SQLite files of `dataDir`. */
async function pgvectorOnPglite(dataDir: string, config: Record<string, unknown> = {}): Promise<TestProvider<VectorIOProvider>> {
  return createTestProvider(pgvectorProvider, pgvectorConfig(await pglite(), config), { dataDir });
}

describeVectorIOContract('remote::pgvector (HNSW, on PGlite)', async () => restartableProvider(pgvectorProvider, async () => pgvectorConfig(await pglite())));

/** Chunks on a 4-dimensional grid of directions, with a `group` to filter on. */
function gridChunks(count: number, group: (index: number) => string): VectorChunk[] {
  return Array.from({ length: count }, (_, index) => {
    const angle = (index / count) * Math.PI;
    return { chunkId: `grid-${index}`, content: `point ${index}`, embedding: [Math.cos(angle), Math.sin(angle), 0.1, (index % 7) / 7], metadata: { group: group(index) } };
  });
}

describe('remote::pgvector', () => {
  const temp = temporaryDirectory('cria-pgvector-');
  let client: pg.Client;
  beforeAll(async () => {
    const server = await pglite();
    client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    temp.remove();
  });

  it('starts when nothing listens at host:port; health and each use name it', async () => {
    const closed = await listen(createServer());
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const provider = await pgvectorOnPglite(temp.dir, { host: '127.0.0.1', port });
    try {
      expect(await provider.impl.health!()).toEqual({ status: 'Error', message: expect.stringContaining(`Cannot reach PostgreSQL at 127.0.0.1:${port}`) });
      await expect(provider.impl.registerVectorStore({ id: 'vs_down', embeddingModel: 'm', embeddingDimension: 4 })).rejects.toMatchObject({ kind: 'upstream', message: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      await provider.close();
    }
  });

  it('gives up on a server that never answers after connect_timeout instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent = await listen(createServer((socket) => sockets.push(socket)));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    try {
      const provider = await pgvectorOnPglite(temp.dir, { host: '127.0.0.1', port, connect_timeout: 0.5 });
      try {
        await expect(provider.impl.listChunks('vs_any', { fileId: 'file-any' })).rejects.toMatchObject({ kind: 'upstream', message: expect.stringContaining(`127.0.0.1:${port}`) });
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await provider.close();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses IVFFlat probes that are not below lists', async () => {
    await expect(pgvectorOnPglite(temp.dir, { vector_index: { type: 'IVFFlat', lists: 10, probes: 10 } })).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('vector_index.probes') });
  });

  it('returns every matching chunk when a selective filter empties the HNSW candidates', async () => {
    const provider = await pgvectorOnPglite(temp.dir, { vector_index: { type: 'HNSW', m: 8, ef_construction: 16, ef_search: 10 } });
    try {
      await provider.impl.registerVectorStore({ id: 'vs_selective', embeddingModel: 'm', embeddingDimension: 4 });
      // Three "far" chunks sit at the end of the half circle, opposite the query direction.
      const chunks = gridChunks(2000, (index) => (index >= 1997 ? 'far' : 'near'));
      await provider.impl.insertChunks('vs_selective', chunks);
      const table = `"${tableName('vs_selective')}"`;
      const plan = await client.query(`EXPLAIN SELECT id FROM ${table} ORDER BY embedding <=> '[1,0,0.1,0]' LIMIT 10`);
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using .*_hnsw/);

      const filter: AttributeFilter = { type: 'eq', key: 'group', value: 'far' };
      const matches = await provider.impl.queryChunks('vs_selective', { mode: 'vector', embedding: [1, 0, 0.1, 0], maxChunks: 5, filter });
      expect(matches.map((match) => match.chunkId).sort()).toEqual(['grid-1997', 'grid-1998', 'grid-1999']);
      const many = await provider.impl.queryChunks('vs_selective', { mode: 'vector', embedding: [1, 0, 0.1, 0], maxChunks: 150 });
      expect(many).toHaveLength(150);
    } finally {
      await provider.close();
    }
  });

  it('builds an IVFFlat index once a store holds lists × 1000 chunks, still answering k results', async () => {
    const provider = await pgvectorOnPglite(temp.dir, { vector_index: { type: 'IVFFlat', lists: 2, probes: 1 } });
    try {
      await provider.impl.registerVectorStore({ id: 'vs_ivfflat', embeddingModel: 'm', embeddingDimension: 4 });
      const indexes = async () => (await client.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1`, [tableName('vs_ivfflat')])).rows.map((row) => row.indexname as string);
      const chunks = gridChunks(2000, (index) => (index % 2 ? 'odd' : 'even'));
      await provider.impl.insertChunks('vs_ivfflat', chunks.slice(0, 1999));
      expect((await indexes()).some((name) => name.endsWith('_ivfflat'))).toBe(false);
      await provider.impl.insertChunks('vs_ivfflat', chunks.slice(1999));
      expect((await indexes()).some((name) => name.endsWith('_ivfflat'))).toBe(true);
      const matches = await provider.impl.queryChunks('vs_ivfflat', { mode: 'vector', embedding: [0, -1, 0, 0], maxChunks: 20, filter: { type: 'eq', key: 'group', value: 'odd' } });
      expect(matches).toHaveLength(20);
      for (const match of matches) expect(match.metadata.group).toBe('odd');
    } finally {
      await provider.close();
    }
  });

  it('scores L2 as 1 / (1 + distance) and INNER_PRODUCT as the inner product', async () => {
    const chunks: VectorChunk[] = [
      { chunkId: 'a', content: 'a', embedding: [1, 0], metadata: {} },
      { chunkId: 'b', content: 'b', embedding: [3, 4], metadata: {} },
      { chunkId: 'zero', content: 'zero', embedding: [0, 0], metadata: {} },
    ];
    for (const [metric, expected] of [
      ['L2', [['a', 1 / (1 + 1)], ['zero', 1 / (1 + 2)], ['b', 1 / (1 + Math.hypot(1, 4))]]],
      ['INNER_PRODUCT', [['b', 6], ['a', 2], ['zero', 0]]],
    ] as const) {
      const provider = await pgvectorOnPglite(temp.dir, { distance_metric: metric });
      try {
        const storeId = `vs_metric_${metric}`;
        await provider.impl.registerVectorStore({ id: storeId, embeddingModel: 'm', embeddingDimension: 2 });
        await provider.impl.insertChunks(storeId, chunks);
        const matches = await provider.impl.queryChunks(storeId, { mode: 'vector', embedding: [2, 0], maxChunks: 3 });
        expect(matches.map((match) => [match.chunkId, match.score])).toEqual(expected.map(([id, score]) => [id, expect.closeTo(score, 5)]));
      } finally {
        await provider.close();
      }
    }
  });

});

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
