import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addBuiltinApis, Catalog } from '@cria/core';

/** The directory of @cria/cli's package.json: its dependencies are the built-in providers. */
export const CLI_PACKAGE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Everything this installation ships: the built-in APIs, and the providers and commands of the
 * dependencies of @cria/cli whose package.json has a `cria` field. Packages are imported only
 * when used.
 */
export function builtinCatalog(): Catalog {
  const catalog = new Catalog();
  catalog.discoverDependencies(CLI_PACKAGE_DIR);
  return addBuiltinApis(catalog);
}
