import { createTestProvider, describeVectorIOContract, type TestProvider, temporaryDirectory } from '@cria/testing';
import type { VectorIOProvider } from '@cria/api';
import sqliteVecProvider from './index.js';

describeVectorIOContract('inline::sqlite-vec', async () => {
  const temp = temporaryDirectory('cria-sqlite-vec-');
  let current: TestProvider<VectorIOProvider> | undefined;
  return {
    open: async () => {
      current?.storage.close();
      current = await createTestProvider(sqliteVecProvider, { db_path: 'sqlite_vec.db', persistence: { backend: 'kv_default', namespace: 'vector_io::sqlite_vec' } }, { dataDir: temp.dir });
      return current.impl;
    },
    close: async () => {
      current?.storage.close();
      temp.remove();
    },
  };
});
