import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, isCriaError } from '@cria/api';
import { BUILTIN_APIS, findPackageDirectory } from '@cria/core';
import { CLI_PACKAGE_DIR } from './cli-catalog.js';

/** Where a command writes. */
export interface ScaffoldIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The provider templates of `cria new-provider`, by API. */
const PROVIDER_TEMPLATES: Readonly<Record<string, string>> = { inference: 'provider-inference' };

/** The template of `cria new-api`. */
const API_TEMPLATE = 'api';

/**
 * Where a package scaffolded from a checkout keeps the @cria packages it links: packed there by
 * `pnpm pack`, which turns the workspace's `workspace:^` ranges into versions npm understands.
 */
export const LINKED_PACKAGES_DIR = '.cria-packages';

/** Llama Stack's provider types: `remote::<name>` for a service, `inline::<name>` in process. */
const PROVIDER_TYPE = /^(remote|inline)::([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;
/** Llama Stack's API names are snake_case (`vector_io`, `tool_runtime`). */
const API_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
/** A placeholder of the templates (`__package_name__`, `__ApiName__`, ...). */
const TOKEN = /__[A-Za-z][A-Za-z_-]*?__/;

/** What to write: a template, where, and the values of its placeholders. */
interface ScaffoldPlan {
  dir: string;
  template: string;
  packageName: string;
  tokens: Readonly<Record<string, string>>;
  /** One sentence on what the package is. */
  description: string;
  /** The distribution section that serves it. */
  distribution: string;
}

/** The part of a package.json the scaffold rewrites. */
interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

function pascalCase(name: string): string {
  return name
    .split(/[-_]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function parse(argv: string[], names: readonly string[]): { dir: string; values: Readonly<Record<string, string | undefined>> } {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  let parsed: { positionals: string[]; values: Record<string, string | undefined> };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    // node:util's parse errors (an unknown option, a missing value) are usage errors: their first sentence, and the options there are.
    const first = (error instanceof Error ? error.message : String(error)).split('. ')[0];
    throw new ConfigError('', `${first} (options: ${names.map((name) => `--${name}`).join(', ')})`);
  }
  const [dir, ...extra] = parsed.positionals;
  if (!dir) throw new ConfigError('', 'missing the directory to write the package in');
  if (extra.length) throw new ConfigError('', `unexpected argument '${extra[0]}'`);
  return { dir: resolve(dir), values: parsed.values };
}

function packageNameOption(value: string | undefined, fallback: string): string {
  const name = value ?? fallback;
  if (!PACKAGE_NAME.test(name)) throw new ConfigError('--package', `'${name}' is not an npm package name`);
  return name;
}

function providerPlan(argv: string[]): ScaffoldPlan {
  const { dir, values } = parse(argv, ['api', 'type', 'package']);
  const supported = Object.keys(PROVIDER_TEMPLATES).join(', ');
  if (!values.api) throw new ConfigError('--api', `missing (supported: ${supported})`);
  const template = PROVIDER_TEMPLATES[values.api];
  if (!template) throw new ConfigError('--api', `no provider template for the '${values.api}' API (supported: ${supported}; a new API of your own: cria new-api)`);
  if (!values.type) throw new ConfigError('--type', 'missing: remote::<name> or inline::<name>');
  const match = PROVIDER_TYPE.exec(values.type);
  if (!match) throw new ConfigError('--type', `'${values.type}' is not remote::<name> or inline::<name> (<name> in lower-case-kebab)`);
  const name = match[2]!;
  const packageName = packageNameOption(values.package, `cria-provider-${values.api.replaceAll('_', '-')}-${name}`);
  return {
    dir,
    template,
    packageName,
    tokens: { __package_name__: packageName, __provider_type__: values.type, __provider_name__: name, __ProviderName__: pascalCase(name) },
    description: `the ${values.type} provider of the ${values.api} API (an echo: it lists the model 'echo' and answers with the last user message)`,
    distribution: [`providers:`, `  ${values.api}:`, `    - provider_id: ${name}`, `      provider_type: ${values.type}`, `      module: ${packageName}`].join('\n'),
  };
}

function apiPlan(argv: string[]): ScaffoldPlan {
  const { dir, values } = parse(argv, ['name', 'package']);
  const name = values.name;
  if (!name) throw new ConfigError('--name', 'missing: the API\'s name, in snake_case');
  if (!API_NAME.test(name)) throw new ConfigError('--name', `'${name}' is not an API name (snake_case: a letter, then letters, digits and single underscores)`);
  if (BUILTIN_APIS.some((builtin) => builtin.name === name)) throw new ConfigError('--name', `Cria already serves an API named '${name}'; pick another name`);
  const kebab = name.replaceAll('_', '-');
  const pascal = pascalCase(name);
  const packageName = packageNameOption(values.package, `cria-api-${kebab}`);
  return {
    dir,
    template: API_TEMPLATE,
    packageName,
    tokens: { __package_name__: packageName, __api_name__: name, '__api-kebab__': kebab, __ApiName__: pascal, __apiName__: pascal.charAt(0).toLowerCase() + pascal.slice(1) },
    description: `the ${name} API (routes under /v1/${kebab}/, their schemas, a router and a contract suite) with its inline::memory provider`,
    distribution: [`providers:`, `  ${name}:`, `    - provider_id: memory`, `      provider_type: inline::memory`, `      module: ${packageName}`].join('\n'),
  };
}

/** The checkout this CLI runs from (a pnpm workspace with @cria/api's sources), or null when it was installed from npm. */
function checkoutRoot(): string | null {
  if (CLI_PACKAGE_DIR.split(sep).includes('node_modules')) return null;
  const root = resolve(CLI_PACKAGE_DIR, '..', '..');
  return existsSync(join(root, 'pnpm-workspace.yaml')) && existsSync(join(root, 'packages', 'api', 'package.json')) ? root : null;
}

/** The @cria/templates package installed with the CLI, or the checkout's `templates/` before it is installed. */
export function templatesDir(): string {
  const installed = findPackageDirectory('@cria/templates', CLI_PACKAGE_DIR);
  if (installed) return installed;
  const root = checkoutRoot();
  if (root && existsSync(join(root, 'templates', 'package.json'))) return join(root, 'templates');
  throw new ConfigError('', 'the @cria/templates package is not installed beside @cria/cli (npm install @cria/templates)');
}

function substitute(text: string, tokens: Readonly<Record<string, string>>): string {
  let result = text;
  for (const [token, value] of Object.entries(tokens)) result = result.split(token).join(value);
  return result;
}

/** Copies a template with its placeholders filled in, in file names too; returns the files written. */
function copyTemplate(from: string, to: string, tokens: Readonly<Record<string, string>>): string[] {
  const written: string[] = [];
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    // `gitignore` has no dot in the template: npm pack would leave a `.gitignore` out of @cria/templates.
    const name = entry.name === 'gitignore' ? '.gitignore' : substitute(entry.name, tokens);
    if (entry.isDirectory()) {
      mkdirSync(join(to, name), { recursive: true });
      written.push(...copyTemplate(join(from, entry.name), join(to, name), tokens));
      continue;
    }
    const text = substitute(readFileSync(join(from, entry.name), 'utf8'), tokens);
    const left = TOKEN.exec(text) ?? TOKEN.exec(name);
    if (left) throw new Error(`template ${join(from, entry.name)} has a placeholder the scaffold does not fill: ${left[0]}`);
    writeFileSync(join(to, name), text);
    written.push(join(to, name));
  }
  return written;
}

/** The checkout's packages by name (`packages/*`, `providers/*`). */
function workspacePackages(root: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const group of ['packages', 'providers']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      const dir = join(groupDir, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
      const name = readManifest(dir).name;
      if (name) found.set(name, dir);
    }
  }
  return found;
}

function criaNames(dependencies: Record<string, string> | undefined): string[] {
  return Object.keys(dependencies ?? {}).filter((name) => name.startsWith('@cria/'));
}

/** Packs one package of the checkout into `destination` with pnpm; returns the tarball's path. */
function packFromCheckout(name: string, dir: string, destination: string): string {
  if (!existsSync(join(dir, 'dist'))) throw new ConfigError('', `${name} is not built in this checkout (no ${join(dir, 'dist')}): run pnpm build first`);
  const result = spawnSync('pnpm', ['pack', '--pack-destination', destination], { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.error) throw new ConfigError('', `cannot run pnpm to pack ${name} from this checkout: ${result.error.message}`);
  if (result.status !== 0) {
    const reason = `${result.stderr}\n${result.stdout}`.trim().split('\n').at(-1) ?? '';
    throw new ConfigError('', `pnpm pack failed for ${name}: ${reason}`);
  }
  const tarball = join(destination, `${name.replace(/^@/, '').replace('/', '-')}-${readManifest(dir).version ?? '0.0.0'}.tgz`);
  if (!existsSync(tarball)) throw new ConfigError('', `pnpm pack did not write ${tarball}`);
  return tarball;
}

/**
 * Points the new package's @cria dependencies at this checkout: each @cria package it needs,
 * directly or through another, is packed into LINKED_PACKAGES_DIR and named by `file:` (an
 * absolute path), in its devDependencies and in `overrides` so the packed packages' own @cria
 * dependencies resolve to the checkout too. npm cannot install the workspace folders themselves:
 * their package.json files hold `workspace:^` ranges. Returns what was linked.
 */
function linkFromCheckout(manifest: Manifest, packageDir: string, root: string): string[] {
  const workspace = workspacePackages(root);
  const needed = new Set<string>();
  const pending = criaNames(manifest.devDependencies);
  while (pending.length) {
    const name = pending.pop()!;
    if (needed.has(name)) continue;
    const dir = workspace.get(name);
    if (!dir) throw new ConfigError('', `the template needs ${name}, which this checkout (${root}) does not have`);
    needed.add(name);
    const own = readManifest(dir);
    pending.push(...criaNames(own.dependencies), ...criaNames(own.peerDependencies));
  }
  const destination = join(packageDir, LINKED_PACKAGES_DIR);
  mkdirSync(destination, { recursive: true });
  const links = new Map([...needed].sort().map((name) => [name, `file:${packFromCheckout(name, workspace.get(name)!, destination)}`]));
  for (const name of criaNames(manifest.devDependencies)) manifest.devDependencies![name] = links.get(name)!;
  for (const name of criaNames(manifest.peerDependencies)) {
    const dir = workspace.get(name);
    const version = dir ? readManifest(dir).version : undefined;
    if (version) manifest.peerDependencies![name] = `^${version}`;
  }
  manifest.overrides = { ...manifest.overrides, ...Object.fromEntries(links) };
  return [...needed].sort();
}

/** Sets the new package's @cria ranges to the versions installed with this CLI (the published packages). */
function linkPublished(manifest: Manifest): void {
  for (const dependencies of [manifest.peerDependencies, manifest.devDependencies]) {
    for (const name of criaNames(dependencies)) {
      const dir = findPackageDirectory(name, CLI_PACKAGE_DIR);
      const version = dir ? readManifest(dir).version : undefined;
      if (version) dependencies![name] = `^${version}`;
    }
  }
}

function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new ConfigError('', `${dir} exists and is not a directory`);
  if (readdirSync(dir).length > 0) throw new ConfigError('', `${dir} exists and is not empty; name a new or empty directory`);
}

/**
 * `cria new-provider <dir> --api <api> --type remote::<name>|inline::<name> [--package <name>]` and
 * `cria new-api <dir> --name <api> [--package <name>]`: write a package from a template of
 * @cria/templates that builds, passes its contract suite with `npm test`, packs with `npm pack`,
 * and is served by a distribution that names it with `module:`. Resolves to the exit code.
 */
export async function scaffold(command: 'new-provider' | 'new-api', argv: string[], io: ScaffoldIo): Promise<number> {
  // What this run wrote is removed again when it fails half-way (the directory was new or empty).
  let written: { dir: string; existed: boolean } | null = null;
  try {
    const plan = command === 'new-provider' ? providerPlan(argv) : apiPlan(argv);
    checkTarget(plan.dir);
    const templates = templatesDir();
    const template = join(templates, plan.template);
    if (!existsSync(template)) throw new ConfigError('', `the ${plan.template} template is missing from ${templates}`);
    written = { dir: plan.dir, existed: existsSync(plan.dir) };
    mkdirSync(plan.dir, { recursive: true });
    const files = copyTemplate(template, plan.dir, plan.tokens);
    const manifest = readManifest(plan.dir);
    const root = checkoutRoot();
    const linked = root ? linkFromCheckout(manifest, plan.dir, root) : [];
    if (!root) linkPublished(manifest);
    writeFileSync(join(plan.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    const shown = relative(process.cwd(), plan.dir) || '.';
    io.stdout.write(
      [
        `Wrote ${plan.packageName} in ${plan.dir} (${files.length} files): ${plan.description}.`,
        ...(root ? [`Until @cria is published, it links ${linked.join(', ')} from this checkout (${root}), packed into ${join(plan.dir, LINKED_PACKAGES_DIR)}.`] : []),
        '',
        'Next:',
        `  cd ${shown}`,
        '  npm install',
        '  npm test        # builds, type-checks, runs its contract suite through a real server',
        '  npm pack        # the package as published',
        '',
        'A distribution serves it by naming it (installed beside cria, or by its path):',
        ...plan.distribution.split('\n').map((line) => `  ${line}`),
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (written?.existed) for (const entry of readdirSync(written.dir)) rmSync(join(written.dir, entry), { recursive: true, force: true });
    else if (written) rmSync(written.dir, { recursive: true, force: true });
    if (!isCriaError(error)) throw error;
    io.stderr.write(`error: cria ${command}: ${error.message}\n`);
    return 1;
  }
}
