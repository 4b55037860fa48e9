import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServerOptions {
  /** Keep the database in this directory (to stop and start again on the same data); in memory when absent. */
  dataDir?: string;
  /**
   * Client connections served at once (default 16). PGlite itself is a single session:
   * pglite-socket multiplexes the connections, running one query at a time and a transaction's
   * statements without interleaving, so a pg pool works as long as its `max` stays within this;
   * connections beyond it are refused.
   */
  maxConnections?: number;
}

/** A PostgreSQL server (PGlite, with pgvector) on 127.0.0.1, for the real `pg` client. */
export interface PgliteServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** `postgresql://user:password@host:port/database` */
  url: string;
  /** The PGlite instance behind the socket, for setting up data without a client. */
  db: PGlite;
  close(): Promise<void>;
}

/**
 * Starts PGlite (WASM PostgreSQL) with the pgvector extension behind pglite-socket on a free
 * port, so providers can be tested through node-postgres where no PostgreSQL server with pgvector
 * is installed. PGlite accepts any user and password; `postgres`/`postgres` is what this returns.
 * Its performance is not a native server's.
 */
export async function startPgliteServer(options: PgliteServerOptions = {}): Promise<PgliteServer> {
  const db = await PGlite.create({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections ?? 16 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const port = Number(server.getServerConn().split(':').pop());
  const credentials = { host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' };
  return {
    ...credentials,
    url: `postgresql://${credentials.user}:${credentials.password}@${credentials.host}:${port}/${credentials.database}`,
    db,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}
