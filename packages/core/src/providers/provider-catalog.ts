import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type ProviderApi, type ProviderModule, type ProviderPackageMetadata, type ProviderSpec, PROVIDER_APIS } from '@cria/api';

/** A provider type the catalog knows; its package is imported only when a distribution uses it. */
export interface CatalogEntry {
  api: ProviderApi;
  providerType: string;
  /** The package (or module path) that defines it. */
  source: string;
  load(): Promise<ProviderSpec<any, any>>;
}

/** Imports a module the way its host would (so workspace and test resolution apply). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

function key(api: string, providerType: string): string {
  return `${api}\u0000${providerType}`;
}

function specsOf(module: unknown, source: string): ProviderSpec<any, any>[] {
  const exported = (module as { default?: ProviderModule }).default ?? module;
  const specs = (Array.isArray(exported) ? exported : [exported]) as ProviderSpec<any, any>[];
  for (const spec of specs) {
    if (!spec || typeof spec !== 'object' || typeof spec.providerType !== 'string' || typeof spec.create !== 'function' || !PROVIDER_APIS.includes(spec.api)) {
      throw new ConfigError('', `${source} does not export a provider definition (defineProvider({...}) or a list of them) as its default export`);
    }
  }
  return specs;
}

/** Finds `<name>/package.json` in the node_modules folders from `fromDir` upwards. */
export function findPackageDirectory(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface PackageJson {
  name?: string;
  main?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  cria?: ProviderPackageMetadata;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The ESM entry of a package: `exports["."]` (import/node/default) or `main`. */
function packageEntry(dir: string, manifest: PackageJson): string {
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find(Boolean);
    if (target && typeof target === 'object') {
      for (const condition of ['import', 'node', 'default']) {
        const found = pick((target as Record<string, unknown>)[condition]);
        if (found) return found;
      }
    }
    return undefined;
  };
  const exportsField = manifest.exports as Record<string, unknown> | string | undefined;
  const root = typeof exportsField === 'object' && exportsField !== null && '.' in exportsField ? exportsField['.'] : exportsField;
  return join(dir, pick(root) ?? manifest.main ?? 'index.js');
}

/**
 * Every provider type the server can run. Built-in providers are found by package metadata (the
 * `cria.providers` field of each dependency of the host package); a distribution's `module:` adds
 * more. Registering the same API and provider type twice is an error.
 */
export class ProviderCatalog {
  private readonly entries = new Map<string, CatalogEntry>();

  add(entry: CatalogEntry): void {
    const existing = this.entries.get(key(entry.api, entry.providerType));
    if (existing) {
      throw new ConfigError('', `provider ${entry.providerType} for API ${entry.api} is defined twice: by ${existing.source} and by ${entry.source}`);
    }
    this.entries.set(key(entry.api, entry.providerType), entry);
  }

  addSpec(spec: ProviderSpec<any, any>, source: string): void {
    this.add({ api: spec.api, providerType: spec.providerType, source, load: async () => spec });
  }

  get(api: string, providerType: string): CatalogEntry | undefined {
    return this.entries.get(key(api, providerType));
  }

  list(api?: string): CatalogEntry[] {
    return [...this.entries.values()]
      .filter((entry) => !api || entry.api === api)
      .sort((a, b) => a.api.localeCompare(b.api) || a.providerType.localeCompare(b.providerType));
  }

  /**
   * Registers the providers of every dependency of `hostPackageDir` whose package.json has a
   * `cria.providers` field. `importer` imports a package by name from the host.
   */
  discoverDependencies(hostPackageDir: string, importer: ModuleImporter): void {
    const host = readPackageJson(hostPackageDir);
    for (const name of Object.keys(host.dependencies ?? {})) {
      const dir = findPackageDirectory(name, hostPackageDir);
      if (!dir) continue;
      const manifest = readPackageJson(dir);
      if (!manifest.cria?.providers) continue;
      let loaded: Promise<ProviderSpec<any, any>[]> | undefined;
      const loadAll = () => (loaded ??= importer(name).then((module) => specsOf(module, name)));
      for (const declared of manifest.cria.providers) {
        this.add({
          api: declared.api,
          providerType: declared.providerType,
          source: name,
          load: async () => {
            const spec = (await loadAll()).find((candidate) => candidate.api === declared.api && candidate.providerType === declared.providerType);
            if (!spec) throw new ConfigError('', `${name} declares ${declared.providerType} in package.json but does not export it`);
            return spec;
          },
        });
      }
    }
  }

  /**
   * Loads a provider package named by a distribution's `module:` (an npm package name, or a
   * path relative to the distribution) and registers what it exports.
   */
  async loadModule(specifier: string, fromDirs: readonly string[], path: string): Promise<ProviderSpec<any, any>[]> {
    let url: string | undefined;
    if (specifier.startsWith('.') || isAbsolute(specifier)) {
      const file = resolve(fromDirs[0] ?? process.cwd(), specifier);
      if (existsSync(file)) {
        const isDir = existsSync(join(file, 'package.json'));
        url = pathToFileURL(isDir ? packageEntry(file, readPackageJson(file)) : file).href;
      }
    } else {
      const packageName = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      for (const dir of fromDirs) {
        const packageDir = findPackageDirectory(packageName, dir);
        if (packageDir) {
          const subpath = specifier.slice(packageName.length);
          url = pathToFileURL(subpath ? join(packageDir, subpath) : packageEntry(packageDir, readPackageJson(packageDir))).href;
          break;
        }
      }
    }
    if (!url) {
      throw new ConfigError(`${path}.module`, `cannot find module '${specifier}' (looked in node_modules from ${fromDirs.join(', ')}); install it with \`pnpm add ${specifier}\``);
    }
    let module: unknown;
    try {
      module = await import(url);
    } catch (error) {
      throw new ConfigError(`${path}.module`, `cannot load '${specifier}': ${(error as Error).message}`, { cause: error });
    }
    const specs = specsOf(module, specifier);
    for (const spec of specs) if (!this.get(spec.api, spec.providerType)) this.addSpec(spec, specifier);
    return specs;
  }
}
