import { ConfigError } from '@cria/api';
import { LLAMA_STACK_APIS } from '@cria/core';
import { builtinCatalog } from './cli-catalog.js';

/** `cria list-apis`: every API this build serves or Llama Stack defines, whether it is served, and its providers. */
export async function listApis(): Promise<string[][]> {
  const catalog = builtinCatalog();
  const rows = [['API', 'SERVED', 'KIND', 'PROVIDERS']];
  const served = catalog.listApis();
  for (const entry of served) {
    const module = await entry.load();
    const providers = catalog.listProviders(module.providersOf ?? module.name).map((provider) => provider.providerType);
    const kind = module.kind === 'core' ? (module.providersOf ? `core (routes to ${module.providersOf} providers)` : 'core') : 'providers';
    rows.push([module.name, 'yes', kind, providers.join(', ') || '-']);
  }
  for (const name of LLAMA_STACK_APIS) if (!catalog.api(name)) rows.push([name, 'no', '-', '-']);
  return rows;
}

/** `cria list-providers [api]`: the provider types this installation has. */
export async function listProviders(api: string | undefined): Promise<string[][]> {
  const catalog = builtinCatalog();
  if (api && !catalog.api(api)) throw new ConfigError('', `unknown API '${api}' (one of ${catalog.listApis().map((entry) => entry.name).join(', ')})`);
  const rows = [['API', 'PROVIDER TYPE', 'PACKAGE', 'DESCRIPTION']];
  for (const entry of catalog.listProviders(api)) {
    const spec = await entry.load();
    rows.push([entry.api, entry.providerType, entry.source, spec.description]);
  }
  return rows;
}
