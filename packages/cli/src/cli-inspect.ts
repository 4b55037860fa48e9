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

/** The `${env.X}` references of a sample config, in the order they appear. */
function environmentOf(value: unknown, names: Set<string>): Set<string> {
  if (typeof value === 'string') for (const match of value.matchAll(/\$\{env\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]!);
  else if (Array.isArray(value)) for (const item of value) environmentOf(item, names);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) environmentOf(item, names);
  return names;
}

/** `cria list-providers [api]`: the provider types this installation has, their packages and the environment variables they read. */
export async function listProviders(api: string | undefined): Promise<string[][]> {
  const catalog = builtinCatalog();
  if (api && !catalog.api(api)) throw new ConfigError('', `unknown API '${api}' (one of ${catalog.listApis().map((entry) => entry.name).join(', ')})`);
  const rows = [['API', 'PROVIDER TYPE', 'PACKAGE', 'ENVIRONMENT', 'DESCRIPTION']];
  for (const entry of catalog.listProviders(api)) {
    const spec = await entry.load();
    const environment = environmentOf(spec.sampleConfig, new Set(spec.environment ?? []));
    rows.push([entry.api, entry.providerType, entry.source, [...environment].join(', ') || '-', spec.description]);
  }
  return rows;
}

/** The rows as a Markdown table (`cria list-providers --markdown`, for the README). */
export function markdownTable(rows: readonly string[][]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const [header, ...body] = rows;
  return [`| ${header!.map(cell).join(' | ')} |`, `| ${header!.map(() => '---').join(' | ')} |`, ...body.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}
