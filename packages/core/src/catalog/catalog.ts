import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  API_MODULE_SPEC_VERSION,
  type AnyApiModule,
  type AnyProviderSpec,
  type CliCommand,
  type CliCommandMetadata,
  ConfigError,
  type CriaPackageMetadata,
  PROVIDER_SPEC_VERSION,
} from '@cria/api';

/** A provider type the catalog knows; its package is imported only when a distribution uses it. */
export interface ProviderEntry {
  api: string;
  providerType: string;
  /** The package (or module path) that defines it. */
  source: string;
  load(): Promise<AnyProviderSpec>;
}

/** An API module the catalog knows; imported only when a distribution serves it. */
export interface ApiEntry {
  name: string;
  /** `core` modules are served whenever their dependencies are; `providers` ones when a distribution names them. */
  kind: 'core' | 'providers' | 'unknown';
  source: string;
  load(): Promise<AnyApiModule>;
}

/** A CLI command a package contributes. */
export interface CommandEntry extends CliCommandMetadata {
  source: string;
  load(): Promise<CliCommand>;
}

/** Imports a module by URL (tests may count what is imported). */
export type ModuleImporter = (url: string) => Promise<unknown>;

/** The export conditions a package entry is picked by, as Node picks them for `import`. */
export const NODE_CONDITIONS: readonly string[] = ['import', 'node', 'default'];

function providerKey(api: string, providerType: string): string {
  return `${api}\u0000${providerType}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isProviderSpec(value: unknown): value is AnyProviderSpec {
  return isRecord(value) && typeof value.providerType === 'string' && typeof value.create === 'function' && typeof value.api === 'string';
}

function isCliCommand(value: unknown): value is CliCommand {
  return isRecord(value) && typeof value.run === 'function';
}

function isApiModule(value: unknown): value is AnyApiModule {
  return isRecord(value) && typeof value.name === 'string' && typeof value.createRouter === 'function';
}

/** The provider definitions and API modules a module exports by default (one or a list). */
export function definitionsOf(module: unknown, source: string): { providers: AnyProviderSpec[]; apis: AnyApiModule[] } {
  const exported = isRecord(module) && 'default' in module ? module.default : module;
  const items: unknown[] = Array.isArray(exported) ? exported : [exported];
  const providers: AnyProviderSpec[] = [];
  const apis: AnyApiModule[] = [];
  for (const item of items) {
    if (isProviderSpec(item)) {
      checkVersion(item.specVersion, PROVIDER_SPEC_VERSION, `${source} (${item.providerType})`, 'defineProvider', 'provider');
      providers.push(item);
    } else if (isApiModule(item)) {
      checkVersion(item.specVersion, API_MODULE_SPEC_VERSION, `${source} (API ${item.name})`, 'defineApi', 'API module');
      apis.push(item);
    } else {
      throw new ConfigError('', `${source} does not export a provider definition or an API module (defineProvider({...}) / defineApi({...}), or a list of them) as its default export`);
    }
  }
  return { providers, apis };
}

function checkVersion(version: unknown, expected: number, source: string, helper: string, what: string): void {
  if (version === expected) return;
  if (version === undefined) {
    throw new ConfigError('', `${source} does not say which ${what} contract it was made for: make it with ${helper}() from @cria/api (or set specVersion: ${expected})`);
  }
  throw new ConfigError('', `${source} was made for ${what} contract version ${String(version)}; this Cria speaks version ${expected}: install a release of the package made for it`);
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

export interface PackageJson {
  name?: string;
  main?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  cria?: CriaPackageMetadata;
}

export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The ESM entry of a package: `exports["."]` (by `conditions`) or `main`; or of one of its subpaths (`./commands/pull`). */
export function packageEntry(dir: string, manifest: PackageJson = readPackageJson(dir), subpath = '.', conditions: readonly string[] = NODE_CONDITIONS): string {
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (Array.isArray(target)) return target.map(pick).find(Boolean);
    if (isRecord(target)) {
      for (const condition of conditions) {
        const found = pick(target[condition]);
        if (found) return found;
      }
    }
    return undefined;
  };
  const exportsField = manifest.exports;
  if (subpath !== '.') {
    const target = isRecord(exportsField) && subpath in exportsField ? pick(exportsField[subpath]) : undefined;
    return join(dir, target ?? subpath);
  }
  const root = isRecord(exportsField) && '.' in exportsField ? exportsField['.'] : exportsField;
  return join(dir, pick(root) ?? manifest.main ?? 'index.js');
}

function packageNameOf(specifier: string): string {
  return specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
}

/**
 * Everything this installation can run: provider types, API modules and CLI commands, found by
 * package metadata (the `cria` field of each dependency of a host package) and by the modules a
 * distribution names. Nothing is imported until it is used. A second registration of the same
 * provider type, API or command is an error.
 */
export class Catalog {
  private readonly providers = new Map<string, ProviderEntry>();
  private readonly apis = new Map<string, ApiEntry>();
  private readonly commands = new Map<string, CommandEntry>();
  /** Packages whose metadata was read already (a package named twice is read once). */
  private readonly seenPackages = new Set<string>();

  addProvider(entry: ProviderEntry): void {
    const existing = this.providers.get(providerKey(entry.api, entry.providerType));
    if (existing) {
      throw new ConfigError('', `provider ${entry.providerType} for API ${entry.api} is defined twice: by ${existing.source} and by ${entry.source}`);
    }
    this.providers.set(providerKey(entry.api, entry.providerType), entry);
  }

  addProviderSpec(spec: AnyProviderSpec, source: string): void {
    definitionsOf(spec, source);
    this.addProvider({ api: spec.api, providerType: spec.providerType, source, load: async () => spec });
  }

  addApi(entry: ApiEntry): void {
    const existing = this.apis.get(entry.name);
    if (existing) throw new ConfigError('', `API ${entry.name} is defined twice: by ${existing.source} and by ${entry.source}`);
    this.apis.set(entry.name, entry);
  }

  addApiModule(module: AnyApiModule, source: string): void {
    definitionsOf(module, source);
    this.addApi({ name: module.name, kind: module.kind, source, load: async () => module });
  }

  addCommand(entry: CommandEntry): void {
    const existing = this.commands.get(entry.name);
    if (existing) throw new ConfigError('', `CLI command '${entry.name}' is defined twice: by ${existing.source} and by ${entry.source}`);
    this.commands.set(entry.name, entry);
  }

  provider(api: string, providerType: string): ProviderEntry | undefined {
    return this.providers.get(providerKey(api, providerType));
  }

  listProviders(api?: string): ProviderEntry[] {
    return [...this.providers.values()]
      .filter((entry) => !api || entry.api === api)
      .sort((a, b) => a.api.localeCompare(b.api) || a.providerType.localeCompare(b.providerType));
  }

  api(name: string): ApiEntry | undefined {
    return this.apis.get(name);
  }

  listApis(): ApiEntry[] {
    return [...this.apis.values()];
  }

  command(name: string): CommandEntry | undefined {
    return this.commands.get(name);
  }

  listCommands(): CommandEntry[] {
    return [...this.commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Registers what every dependency of `hostPackageDir` declares in its package.json `cria` field
   * (and its devDependencies with `includeDev`, for test hosts). Packages are imported, when
   * used, from the entry their `exports` give for `conditions`.
   */
  discoverDependencies(hostPackageDir: string, options: { includeDev?: boolean; conditions?: readonly string[]; importer?: ModuleImporter } = {}): void {
    const host = readPackageJson(hostPackageDir);
    const names = new Set([...Object.keys(host.dependencies ?? {}), ...(options.includeDev ? Object.keys(host.devDependencies ?? {}) : [])]);
    for (const name of names) {
      const dir = findPackageDirectory(name, hostPackageDir);
      if (dir) this.discoverPackage(dir, { ...options, name });
    }
  }

  /** Registers what the package in `dir` declares in its `cria` field (a package testing itself, say). */
  discoverPackage(dir: string, options: { name?: string; conditions?: readonly string[]; importer?: ModuleImporter } = {}): void {
    const manifest = readPackageJson(dir);
    const importer = options.importer ?? ((url: string) => import(url));
    this.registerPackage(options.name ?? manifest.name ?? dir, dir, (subpath) => importer(pathToFileURL(packageEntry(dir, manifest, subpath ?? '.', options.conditions ?? NODE_CONDITIONS)).href));
  }

  /**
   * Loads a package named by a distribution's `module:` (an npm package name, or a path relative
   * to the distribution), registers what its metadata declares and what it exports.
   */
  async loadModule(specifier: string, fromDirs: readonly string[], path: string): Promise<{ providers: AnyProviderSpec[]; apis: AnyApiModule[] }> {
    let url: string | undefined;
    let packageDir: string | undefined;
    if (specifier.startsWith('.') || isAbsolute(specifier)) {
      const file = resolve(fromDirs[0] ?? process.cwd(), specifier);
      if (existsSync(file)) {
        if (existsSync(join(file, 'package.json'))) {
          packageDir = file;
          url = pathToFileURL(packageEntry(file, readPackageJson(file))).href;
        } else {
          url = pathToFileURL(file).href;
        }
      }
    } else {
      const packageName = packageNameOf(specifier);
      for (const dir of fromDirs) {
        const found = findPackageDirectory(packageName, dir);
        if (found) {
          const subpath = specifier.slice(packageName.length);
          packageDir = subpath ? undefined : found;
          url = pathToFileURL(packageEntry(found, readPackageJson(found), subpath ? `.${subpath}` : '.')).href;
          break;
        }
      }
    }
    if (!url) {
      throw new ConfigError(`${path}.module`, `cannot find module '${specifier}' (looked in node_modules from ${fromDirs.join(', ')}); install it with \`pnpm add ${specifier}\``);
    }
    if (packageDir) {
      const dir = packageDir;
      this.discoverPackage(dir, { name: specifier });
    }
    let module: unknown;
    try {
      module = await import(url);
    } catch (error) {
      throw new ConfigError(`${path}.module`, `cannot load '${specifier}': ${(error as Error).message}`, { cause: error });
    }
    let definitions: { providers: AnyProviderSpec[]; apis: AnyApiModule[] };
    try {
      definitions = definitionsOf(module, specifier);
    } catch (error) {
      throw new ConfigError(`${path}.module`, (error as ConfigError).reason ?? (error as Error).message, { cause: error });
    }
    for (const spec of definitions.providers) if (!this.provider(spec.api, spec.providerType)) this.addProvider({ api: spec.api, providerType: spec.providerType, source: specifier, load: async () => spec });
    for (const api of definitions.apis) if (!this.api(api.name)) this.addApi({ name: api.name, kind: api.kind, source: specifier, load: async () => api });
    return definitions;
  }

  /** Registers what a package's `cria` metadata declares, importing it lazily. */
  private registerPackage(name: string, dir: string, importer: (subpath?: string) => Promise<unknown>): void {
    if (this.seenPackages.has(dir)) return;
    this.seenPackages.add(dir);
    const manifest = readPackageJson(dir);
    const metadata = manifest.cria;
    if (!metadata) return;
    let loaded: Promise<{ providers: AnyProviderSpec[]; apis: AnyApiModule[] }> | undefined;
    const loadAll = () => (loaded ??= importer().then((module) => definitionsOf(module, name)));
    for (const declared of metadata.providers ?? []) {
      if (this.provider(declared.api, declared.providerType)?.source === name) continue;
      this.addProvider({
        api: declared.api,
        providerType: declared.providerType,
        source: name,
        load: async () => {
          const spec = (await loadAll()).providers.find((candidate) => candidate.api === declared.api && candidate.providerType === declared.providerType);
          if (!spec) throw new ConfigError('', `${name} declares ${declared.providerType} in package.json but does not export it`);
          return spec;
        },
      });
    }
    for (const declared of metadata.apis ?? []) {
      if (this.api(declared.name)?.source === name) continue;
      const load = declared.module ? () => importer(declared.module).then((module) => definitionsOf(module, name)) : loadAll;
      this.addApi({
        name: declared.name,
        kind: 'unknown',
        source: name,
        load: async () => {
          const module = (await load()).apis.find((candidate) => candidate.name === declared.name);
          if (!module) throw new ConfigError('', `${name} declares the ${declared.name} API in package.json but does not export it`);
          return module;
        },
      });
    }
    for (const declared of metadata.commands ?? []) {
      this.addCommand({
        ...declared,
        source: name,
        load: async () => {
          const module = await importer(declared.module);
          const command = isRecord(module) && 'default' in module ? module.default : module;
          if (!isCliCommand(command)) throw new ConfigError('', `${name}: ${declared.module} does not export a CLI command (defineCliCommand({ run }))`);
          return command;
        },
      });
    }
  }
}
