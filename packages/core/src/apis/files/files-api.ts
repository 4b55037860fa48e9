import { ConfigError, defineApi } from '@cria/api';
import { FilesRouter } from './files-router.js';
import { filesRoutes } from './files-routes.js';

/** OpenAI's files API, served by the distribution's one files provider (as Llama Stack does). */
export const filesApi = defineApi({
  name: 'files',
  description: 'OpenAI\'s files API: uploads, listing, metadata and content.',
  kind: 'providers',
  createRouter({ providers, locate }) {
    if (providers.length > 1) {
      throw new ConfigError('providers.files', `only one files provider can be enabled (enabled: ${providers.map((provider) => provider.providerId).join(', ')}) (${locate('providers.files')})`);
    }
    return new FilesRouter(providers[0]?.impl ?? null);
  },
  routes: filesRoutes,
});
