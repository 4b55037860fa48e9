import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';

// `cria new-provider` and `cria new-api` as a user runs them: the built CLI writes each package in
// a temporary folder outside the workspace; npm installs it (the @cria packages packed from this
// checkout), builds it, runs its contract suite and packs it; then a distribution in another
// folder names it with `module:` and `cria run` serves it to real clients.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');
const work = mkdtempSync(join(tmpdir(), 'cria-scaffold-'));
const MINUTE = 60_000;

/** The version of a package of this checkout (`api` for @cria/api). */
function checkoutVersion(folder: string): string {
  return (JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where a scaffolded package keeps a @cria package packed from this checkout. */
function packedPath(packageDir: string, folder: string): string {
  return join(packageDir, '.cria-packages', `cria-${folder}-${checkoutVersion(folder)}.tgz`);
}

/**
 * The commands' environment: without what vitest sets for itself (the package's own vitest starts
 * afresh) and the `npm_*` variables of a running package script (npm reads them as its config).
 */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|__VITEST|npm_|TEST$|NODE_ENV$|FORCE_COLOR$)/.test(key)) env[key] = value;
  }
  // better-sqlite3 compiles where no prebuilt binary can be downloaded; node-gyp then uses the
  // headers installed beside this Node instead of downloading them (as .pnpmfile.cjs does for pnpm).
  const prefix = join(dirname(process.execPath), '..');
  const header = join(prefix, 'include', 'node', 'node_version.h');
  if (process.env.npm_config_nodedir) {
    env.npm_config_nodedir = process.env.npm_config_nodedir;
  } else if (existsSync(header)) {
    const text = readFileSync(header, 'utf8');
    const part = (name: string) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
    if (`v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version) env.npm_config_nodedir = prefix;
  }
  env.CRIA_LOG_LEVEL = 'warn';
  // Plain text, so test names can be found in the output.
  env.NO_COLOR = '1';
  return env;
}
const env = commandEnv();

interface Result {
  status: number | null;
  /** stdout and stderr, interleaved. */
  output: string;
}

function run(command: string, args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

/** Runs a command that must succeed; a failure shows the end of its output. */
async function succeed(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  expect(result.status, `${command} ${args.join(' ')} in ${cwd}:\n${result.output.slice(-6000)}`).toBe(0);
  return result.output;
}

function cria(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: work, env, encoding: 'utf8', timeout: MINUTE });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Lists the files of a tarball npm pack wrote. */
function tarballFiles(tarball: string): string[] {
  const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  expect(listing.status).toBe(0);
  return listing.stdout.trim().split('\n').sort();
}

const servers: ChildProcess[] = [];

/** `cria run <yaml> --port 0 --host 127.0.0.1` from `cwd`; resolves to its URL once it listens. */
function serve(yaml: string, cwd: string): Promise<string> {
  const child = spawn(process.execPath, [cli, 'run', yaml, '--port', '0', '--host', '127.0.0.1'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /on 127\.0\.0\.1:\d+ \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`cria run exited with ${code}:\n${stderr}`)));
  });
}

function sqliteStorage(dir: string): string {
  return [
    'storage:',
    '  backends:',
    `    kv_default: { type: kv_sqlite, db_path: ${join(dir, 'kvstore.db')} }`,
    `    sql_default: { type: sql_sqlite, db_path: ${join(dir, 'sql_store.db')} }`,
    '  stores:',
    '    metadata: { namespace: registry, backend: kv_default }',
    '    inference: { table_name: inference_store, backend: sql_default }',
  ].join('\n');
}

/** A chat with an earlier exchange: the echo answers the last user message only. */
const conversation: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Repeat after me.' },
  { role: 'user', content: 'an earlier question' },
  { role: 'assistant', content: 'an earlier answer' },
  { role: 'user', content: 'the llama crossed the mountain' },
];

async function checkEcho(baseURL: string, model: string): Promise<void> {
  const client = new OpenAI({ baseURL, apiKey: 'none', maxRetries: 0 });
  const ids: string[] = [];
  for await (const listed of client.models.list()) ids.push(listed.id);
  expect(ids).toContain(model);
  const completion = await client.chat.completions.create({ model, messages: conversation });
  expect(completion.model).toBe(model);
  expect(completion.choices[0]!.message.content).toBe('the llama crossed the mountain');
  const stream = await client.chat.completions.create({ model, messages: conversation, stream: true });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
  expect(chunks.length).toBeGreaterThan(2);
  expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('the llama crossed the mountain');
  expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
}

interface Item {
  id: string;
  object: string;
  content: string;
  metadata: Record<string, string>;
}

async function checkItems(url: string): Promise<void> {
  const created = await fetch(`${url}/v1/saved-notes/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'buy hay', metadata: { for: 'the llama' } }) });
  expect(created.status).toBe(200);
  const item = (await created.json()) as Item;
  expect(item).toMatchObject({ object: 'saved_notes.item', content: 'buy hay', metadata: { for: 'the llama' } });
  expect(await (await fetch(`${url}/v1/saved-notes/items/${item.id}`)).json()).toEqual(item);
  const list = (await (await fetch(`${url}/v1/saved-notes/items?limit=5`)).json()) as { data: Item[] };
  expect(list.data.map((listed) => listed.id)).toContain(item.id);
  const missing = await fetch(`${url}/v1/saved-notes/items/item_nope`);
  expect(missing.status).toBe(404);
  const invalid = await fetch(`${url}/v1/saved-notes/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 7 }) });
  expect(invalid.status).toBe(400);
  expect(await invalid.json()).toMatchObject({ error: { param: 'content' } });
}

afterAll(async () => {
  for (const server of servers) {
    if (server.exitCode !== null || server.signalCode !== null) continue;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

describe('cria new-provider and new-api', () => {
  const provider = { dir: join(work, 'echo-bot'), name: 'cria-provider-inference-echo-bot' };
  const api = { dir: join(work, 'saved-notes'), name: 'cria-api-saved-notes' };
  const tarballs: Record<string, string> = {};

  it('refuses bad arguments with one line and exit code 1, writing nothing', () => {
    const nonEmpty = join(work, 'non-empty');
    mkdirSync(nonEmpty);
    writeFileSync(join(nonEmpty, 'notes.txt'), 'taken');
    const fresh = join(work, 'never-written');
    const refusals: [string[], RegExp][] = [
      [['new-provider', nonEmpty, '--api', 'inference', '--type', 'inline::echo'], /exists and is not empty/],
      [['new-provider', fresh, '--api', 'inference', '--type', 'echo'], /--type: 'echo' is not remote::<name> or inline::<name>/],
      [['new-provider', fresh, '--api', 'inference', '--type', 'remote::Echo'], /--type: 'remote::Echo' is not/],
      [['new-provider', fresh, '--api', 'files', '--type', 'inline::echo'], /--api: no provider template for the 'files' API \(supported: inference;/],
      [['new-provider', fresh, '--api', 'nonsense', '--type', 'inline::echo'], /--api: no provider template for the 'nonsense' API \(supported: inference;/],
      [['new-provider', fresh, '--type', 'inline::echo'], /--api: missing \(supported: inference\)/],
      [['new-api', fresh, '--name', 'inference'], /--name: Cria already serves an API named 'inference'/],
      [['new-api', fresh, '--name', 'Saved-Notes'], /--name: 'Saved-Notes' is not an API name/],
      [['new-api', fresh, '--name', 'notes', '--package', 'Not A Name'], /--package: 'Not A Name' is not an npm package name/],
      [['new-api', fresh, '--nmae', 'notes'], /Unknown option '--nmae' \(options: --name, --package\)/],
      [['new-api', '--name', 'notes'], /missing the directory/],
    ];
    for (const [args, message] of refusals) {
      const result = cria(...args);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(nonEmpty)).toEqual(['notes.txt']);
  });

  it('writes each package with its placeholders filled in and the checkout\'s @cria packages linked', () => {
    const written = cria('new-provider', relative(work, provider.dir), '--api', 'inference', '--type', 'inline::echo-bot');
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout).toContain(`Wrote ${provider.name} in ${provider.dir}`);
    expect(written.stdout).toContain('provider_type: inline::echo-bot');
    const writtenApi = cria('new-api', api.dir, '--name', 'saved_notes');
    expect(writtenApi.status, writtenApi.stderr).toBe(0);
    expect(writtenApi.stdout).toContain(`module: ${api.name}`);

    for (const { dir, name } of [provider, api]) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; devDependencies: Record<string, string>; overrides: Record<string, string> };
      expect(manifest.name).toBe(name);
      expect(manifest.devDependencies['@cria/testing']).toBe(`file:${packedPath(dir, 'testing')}`);
      // Every @cria package the template needs, directly or through another, packed from the checkout.
      expect(Object.keys(manifest.overrides)).toEqual(expect.arrayContaining(['@cria/api', '@cria/core', '@cria/server', '@cria/testing']));
      for (const [linked, link] of Object.entries(manifest.overrides)) {
        expect(link).toBe(`file:${packedPath(dir, linked.slice('@cria/'.length))}`);
        expect(existsSync(link.slice('file:'.length))).toBe(true);
      }
      for (const file of filesUnder(dir).filter((path) => !path.endsWith('.tgz'))) expect(readFileSync(file, 'utf8'), file).not.toMatch(/__[A-Za-z][A-Za-z_-]*__/);
      expect(existsSync(join(dir, '.gitignore'))).toBe(true);
    }
    expect(readFileSync(join(provider.dir, 'src', 'echo-bot-inference.ts'), 'utf8')).toContain('export class EchoBotInference implements InferenceProvider');
    expect(readFileSync(join(api.dir, 'src', 'saved-notes-routes.ts'), 'utf8')).toContain("path: '/v1/saved-notes/items/{item_id}'");
    expect(readFileSync(join(api.dir, 'src', 'saved-notes-protocol.ts'), 'utf8')).toContain('saved_notes: { provider: SavedNotesProvider; router: SavedNotesApi };');
  });

  it('installs both with npm, offline but for the registry', async () => {
    await Promise.all([provider.dir, api.dir].map((dir) => succeed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir)));
    for (const dir of [provider.dir, api.dir]) {
      // The packed packages, whose `workspace:` ranges pnpm pack turned into versions.
      const core = readFileSync(join(dir, 'node_modules', '@cria', 'core', 'package.json'), 'utf8');
      expect(JSON.parse(core)).toMatchObject({ name: '@cria/core', peerDependencies: { '@cria/api': `^${checkoutVersion('api')}` } });
      expect(core).not.toContain('workspace:');
    }
  }, 25 * MINUTE);

  for (const target of [
    { package: provider, suite: 'inference contract: inline::echo-bot', check: 'answers a chat completion' },
    { package: api, suite: 'saved_notes contract: inline::memory', check: 'keeps an item and gives it back by id' },
  ]) {
    it(`builds, passes its contract suite and packs: ${target.package.name}`, async () => {
      const { dir, name } = target.package;
      await succeed('npm', ['run', 'build'], dir);
      expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true);
      const tests = await succeed('npm', ['test', '--', '--reporter=verbose'], dir);
      expect(tests).toContain(`${target.suite} > ${target.check}`);
      expect(tests).toMatch(/Tests\s+\d+ passed/);
      expect(tests).not.toMatch(/\d+ failed/);
      await succeed('npm', ['pack'], dir);
      const tarball = join(dir, `${name}-0.1.0.tgz`);
      const files = tarballFiles(tarball);
      expect(files).toContain('package/package.json');
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files.filter((file) => !file.startsWith('package/dist/') && file !== 'package/package.json' && file !== 'package/README.md')).toEqual([]);
      tarballs[name] = tarball;
    }, 10 * MINUTE);
  }

  it('is served by a distribution elsewhere that names the installed packages with module:', async () => {
    const distribution = join(work, 'distribution');
    mkdirSync(distribution);
    writeFileSync(join(distribution, 'package.json'), JSON.stringify({ name: 'scaffolded-distribution', private: true }));
    // The packages as published (their tarballs), with the @cria/api they take as a peer.
    await succeed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs[provider.name]!, tarballs[api.name]!, packedPath(provider.dir, 'api')], distribution);
    const yaml = join(distribution, 'config.yaml');
    writeFileSync(
      yaml,
      [
        'version: 2',
        'distro_name: scaffolded',
        'providers:',
        '  inference:',
        `    - { provider_id: parrot, provider_type: inline::echo-bot, module: ${provider.name}, config: {} }`,
        '  saved_notes:',
        `    - { provider_id: memory, provider_type: inline::memory, module: ${api.name}, config: { max_items: 10 } }`,
        sqliteStorage(distribution),
      ].join('\n'),
    );
    const url = await serve(yaml, distribution);
    await checkEcho(`${url}/v1`, 'parrot/echo');
    await checkItems(url);
    const routes = (await (await fetch(`${url}/v1/inspect/routes`)).json()) as { data: { route: string; method: string; provider_types: string[] }[] };
    const notesRoutes = routes.data.filter((route) => route.route.startsWith('/v1/saved-notes/'));
    expect(notesRoutes.map((route) => `${route.method} ${route.route}`).sort()).toEqual(['GET /v1/saved-notes/items', 'GET /v1/saved-notes/items/{item_id}', 'POST /v1/saved-notes/items']);
    expect(notesRoutes.every((route) => route.provider_types.includes('inline::memory'))).toBe(true);
  }, 5 * MINUTE);

  it('is served by a distribution that names the package folders by path', async () => {
    const distribution = join(work, 'by-path');
    mkdirSync(distribution);
    const yaml = join(distribution, 'config.yaml');
    writeFileSync(
      yaml,
      [
        'version: 2',
        'distro_name: by-path',
        'providers:',
        '  inference:',
        `    - { provider_id: echo, provider_type: inline::echo-bot, module: ${provider.dir}, config: { prefix: '' } }`,
        '  saved_notes:',
        `    - { provider_id: memory, provider_type: inline::memory, module: ${relative(distribution, api.dir)}, config: {} }`,
        sqliteStorage(distribution),
      ].join('\n'),
    );
    const url = await serve(yaml, distribution);
    await checkEcho(`${url}/v1`, 'echo/echo');
    await checkItems(url);
  }, 5 * MINUTE);
});
