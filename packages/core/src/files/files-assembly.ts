import { ConfigError, type FilesProvider } from '@cria/api';
import type { ApiAssembler } from '../stack/stack-apis.js';
import { FilesRouter } from './files-router.js';

/** The files API: one files provider, behind its router. */
export const assembleFiles: ApiAssembler = async ({ distribution, instances }) => {
  if (instances.length > 1) {
    const second = distribution.providers.filter((entry) => entry.api === 'files')[1];
    throw new ConfigError(second?.path ?? 'providers.files', `only one files provider can be enabled (enabled: ${instances.map((instance) => instance.providerId).join(', ')})`);
  }
  return { router: new FilesRouter(instances[0]!.impl as unknown as FilesProvider) };
};
