import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProviderCatalog } from '@cria/core';

/** The directory of @cria/cli's package.json: its dependencies are the built-in providers. */
export const CLI_PACKAGE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Every provider this installation ships: the dependencies of @cria/cli whose package.json
 * declares `cria.providers`. Packages are imported only when a distribution uses them.
 */
export function builtinCatalog(): ProviderCatalog {
  const catalog = new ProviderCatalog();
  catalog.discoverDependencies(CLI_PACKAGE_DIR, (name) => import(name));
  return catalog;
}
