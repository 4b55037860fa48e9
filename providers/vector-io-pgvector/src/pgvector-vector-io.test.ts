import { createTestProvider, describeVectorIOContract, type PgliteServer, startPgliteServer, type TestProvider, temporaryDirectory } from '@cria/testing';
import type { VectorIOProvider } from '@cria/api';
import pgvectorProvider from './index.js';

/** The provider on a PGlite server, the registry in SQLite files of a temporary directory. */
export async function pgvectorOnPglite(server: PgliteServer, dataDir: string, config: Record<string, unknown> = {}): Promise<TestProvider<VectorIOProvider>> {
  return createTestProvider(
    pgvectorProvider,
    {
      host: server.host,
      port: server.port,
      db: server.database,
      user: server.user,
      password: server.password,
      persistence: { backend: 'kv_default', namespace: 'vector_io::pgvector' },
      ...config,
    },
    { dataDir },
  );
}

describeVectorIOContract('remote::pgvector (HNSW, on PGlite)', async () => {
  const temp = temporaryDirectory('cria-pgvector-');
  const server = await startPgliteServer();
  let current: TestProvider<VectorIOProvider> | undefined;
  return {
    open: async () => {
      current?.storage.close();
      current = await pgvectorOnPglite(server, temp.dir);
      return current.impl;
    },
    close: async () => {
      current?.storage.close();
      await server.close();
      temp.remove();
    },
  };
});
