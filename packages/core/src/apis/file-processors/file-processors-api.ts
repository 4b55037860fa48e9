import { ConfigError, defineApi } from '@cria/api';
import { FileProcessorsRouter } from './file-processors-router.js';
import { fileProcessorsRoutes } from './file-processors-routes.js';

/**
 * Llama Stack's file processors (experimental, /v1alpha): a file's text in chunks ready for a
 * vector store. One provider serves it; vector store ingestion goes through it when it is served.
 */
export const fileProcessorsApi = defineApi({
  name: 'file_processors',
  description: 'File processors: a file (uploaded or from the files API) to text chunks for vector stores.',
  kind: 'providers',
  createRouter({ providers, locate }) {
    if (providers.length > 1) {
      throw new ConfigError('providers.file_processors', `only one file_processors provider can be enabled (enabled: ${providers.map((provider) => provider.providerId).join(', ')}) (${locate('providers.file_processors')})`);
    }
    return new FileProcessorsRouter(providers[0]?.impl ?? null);
  },
  routes: fileProcessorsRoutes,
});
