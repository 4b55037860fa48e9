import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPgliteServer } from './pglite-server.js';
import { temporaryDirectory } from './server-harness.js';

describe('startPgliteServer', () => {
  it('serves PostgreSQL with pgvector to a pg pool, transactions kept apart, and keeps its data across a restart', async () => {
    const temp = temporaryDirectory('cria-pglite-');
    let server = await startPgliteServer({ dataDir: temp.dir, maxConnections: 4 });
    try {
      let pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database, max: 4 });
      await pool.query('CREATE EXTENSION IF NOT EXISTS vector');
      await pool.query('CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))');
      await pool.query(`INSERT INTO items VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')`);
      const nearest = await pool.query<{ id: number }>('SELECT id FROM items ORDER BY embedding <=> $1 LIMIT 2', ['[1,0,0]']);
      expect(nearest.rows.map((row) => row.id)).toEqual([1, 3]);

      // Four connections at once, each in its own transaction with its own SET LOCAL.
      const results = await Promise.all(
        Array.from({ length: 12 }, async (_, index) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query(`SET LOCAL hnsw.ef_search = ${100 + index}`);
            const { rows } = await client.query<{ value: string; id: number }>(`SELECT current_setting('hnsw.ef_search') AS value, $1::int AS id`, [index]);
            await client.query('COMMIT');
            return rows[0]!;
          } finally {
            client.release();
          }
        }),
      );
      results.forEach((row, index) => expect(row).toEqual({ value: String(100 + index), id: index }));
      await pool.end();

      await server.close();
      server = await startPgliteServer({ dataDir: temp.dir });
      pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database, max: 1 });
      expect((await pool.query('SELECT count(*)::int AS count FROM items')).rows[0]).toEqual({ count: 3 });
      await pool.end();
    } finally {
      await server.close();
      temp.remove();
    }
  });
});
