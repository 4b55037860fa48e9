import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, resolveConfigPath } from '@cria/api';
import type { Catalog } from '../catalog/catalog.js';
import type { Distribution } from './distribution-loader.js';

function readSpec(file: string, key: string): Record<string, unknown> {
  let spec: unknown;
  try {
    spec = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(key, `${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new ConfigError(key, `${file}: expected a YAML mapping`);
  return Object.fromEntries(Object.entries(spec));
}

function yamlFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml')).sort().map((name) => join(dir, name)) : [];
}

/**
 * Llama Stack's `external_providers_dir`: `<dir>/remote/<api>/<name>.yaml` (provider type
 * `remote::<adapter_type>`) and `<dir>/inline/<api>/<name>.yaml` (`inline::<name>`), each naming
 * the npm package (or path) that defines the provider in `module` (or `adapter.module`).
 */
export async function loadExternalProviders(distribution: Distribution, catalog: Catalog, searchDirs: readonly string[]): Promise<void> {
  const configured = distribution.config.external_providers_dir;
  if (!configured) return;
  const dir = resolveConfigPath(configured, distribution.directory);
  if (!existsSync(dir)) throw new ConfigError('external_providers_dir', `the external providers directory ${dir} does not exist (${distribution.locate('external_providers_dir')})`);
  for (const location of ['remote', 'inline'] as const) {
    const base = join(dir, location);
    if (!existsSync(base)) continue;
    for (const api of readdirSync(base)) {
      for (const file of yamlFiles(join(base, api))) {
        const spec = readSpec(file, 'external_providers_dir');
        const adapter = spec.adapter && typeof spec.adapter === 'object' && !Array.isArray(spec.adapter) ? Object.fromEntries(Object.entries(spec.adapter)) : {};
        const module = typeof spec.module === 'string' ? spec.module : typeof adapter.module === 'string' ? adapter.module : null;
        const name = location === 'remote' ? (typeof spec.adapter_type === 'string' ? spec.adapter_type : typeof adapter.adapter_type === 'string' ? adapter.adapter_type : basename(file, extname(file))) : basename(file, extname(file));
        const providerType = `${location}::${name}`;
        if (!module) throw new ConfigError('external_providers_dir', `${file}: names no module (the npm package or path that defines ${providerType})`);
        if (catalog.provider(api, providerType)) continue;
        const loaded = await catalog.loadModule(module, [dir, distribution.directory, ...searchDirs], 'external_providers_dir');
        if (!catalog.provider(api, providerType)) {
          const exported = loaded.providers.map((candidate) => `${candidate.api} ${candidate.providerType}`).join(', ') || 'nothing';
          throw new ConfigError('external_providers_dir', `${file}: ${module} does not define the ${api} provider ${providerType} (it exports ${exported})`);
        }
      }
    }
  }
}

/** Llama Stack's `external_apis_dir`: `<dir>/<api>.yaml`, each with the API's `name` and the `module` that defines it. */
export async function loadExternalApis(distribution: Distribution, catalog: Catalog, searchDirs: readonly string[]): Promise<void> {
  const configured = distribution.config.external_apis_dir;
  if (!configured) return;
  const dir = resolveConfigPath(configured, distribution.directory);
  if (!existsSync(dir)) throw new ConfigError('external_apis_dir', `the external APIs directory ${dir} does not exist (${distribution.locate('external_apis_dir')})`);
  for (const file of yamlFiles(dir)) {
    const spec = readSpec(file, 'external_apis_dir');
    const name = typeof spec.name === 'string' ? spec.name : basename(file, extname(file));
    if (typeof spec.module !== 'string') throw new ConfigError('external_apis_dir', `${file}: names no module (the npm package or path that defines the ${name} API)`);
    if (catalog.api(name)) continue;
    const loaded = await catalog.loadModule(spec.module, [dir, distribution.directory, ...searchDirs], 'external_apis_dir');
    if (!catalog.api(name)) {
      throw new ConfigError('external_apis_dir', `${file}: ${spec.module} does not define the ${name} API (it exports ${loaded.apis.map((api) => api.name).join(', ') || 'no API module'})`);
    }
  }
}
