import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, defineProvider } from '@cria/api';
import { Catalog } from './catalog.js';

function providerPackage(root: string, name: string, source: string, metadata?: unknown): void {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { import: './index.js' } }, ...(metadata ? { cria: metadata } : {}) }));
  writeFileSync(join(dir, 'index.js'), source);
}

const PROVIDER_SOURCE = (providerType: string, specVersion = 1) => `export default { specVersion: ${specVersion}, api: 'inference', providerType: '${providerType}', description: 'test', configSchema: { type: 'object' }, create: () => ({}) };`;

const fail = async (): Promise<never> => {
  throw new Error('not used');
};

describe('catalog', () => {
  it('discovers providers from the package metadata of the host\'s dependencies and imports them only when loaded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cria-catalog-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'host', dependencies: { '@acme/provider': '1', 'plain-lib': '1' } }));
    providerPackage(root, '@acme/provider', PROVIDER_SOURCE('remote::acme'), { providers: [{ api: 'inference', providerType: 'remote::acme' }] });
    providerPackage(root, 'plain-lib', 'throw new Error("must not be imported")');
    const imported: string[] = [];
    const catalog = new Catalog();
    catalog.discoverDependencies(root, {
      importer: async (url) => {
        imported.push(url.replace(/^.*node_modules\//, ''));
        return import(url);
      },
    });
    expect(catalog.listProviders().map((entry) => `${entry.api} ${entry.providerType} ${entry.source}`)).toEqual(['inference remote::acme @acme/provider']);
    expect(imported).toEqual([]);
    const spec = await catalog.provider('inference', 'remote::acme')!.load();
    expect(spec.providerType).toBe('remote::acme');
    expect(imported).toEqual(['@acme/provider/index.js']);
  });

  it('refuses a second registration of the same provider type for an API', () => {
    const catalog = new Catalog();
    const spec = defineProvider({ api: 'files', providerType: 'inline::twin', description: 'x', configSchema: {}, create: () => ({ uploadFile: fail, listFiles: fail, retrieveFile: fail, deleteFile: fail, retrieveFileContent: fail }) });
    catalog.addProviderSpec(spec, 'first-package');
    expect(() => catalog.addProviderSpec(spec, 'second-package')).toThrow(/inline::twin .* defined twice: by first-package and by second-package/);
    // The same type under another API is a different provider (Llama Stack has inline::localfs twice).
    catalog.addProviderSpec({ ...spec, api: 'vector_io' }, 'third-package');
  });

  it('loads a module named by a distribution from node_modules or a relative path', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cria-module-'));
    providerPackage(root, 'cria-provider-custom', PROVIDER_SOURCE('remote::custom'));
    writeFileSync(join(root, 'local-provider.mjs'), PROVIDER_SOURCE('remote::local'));
    const catalog = new Catalog();
    await catalog.loadModule('cria-provider-custom', [root], 'providers.inference[0]');
    await catalog.loadModule('./local-provider.mjs', [root], 'providers.inference[1]');
    expect(catalog.provider('inference', 'remote::custom')?.source).toBe('cria-provider-custom');
    expect(catalog.provider('inference', 'remote::local')).toBeDefined();
    const missing = await catalog.loadModule('not-installed', [root], 'providers.inference[2]').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).path).toBe('providers.inference[2].module');
    expect((missing as ConfigError).message).toContain('pnpm add not-installed');
    writeFileSync(join(root, 'not-a-provider.mjs'), 'export default { hello: 1 };');
    await expect(catalog.loadModule('./not-a-provider.mjs', [root], 'p')).rejects.toThrow(/does not export a provider definition/);
  });

  it('refuses a definition made for another contract version, naming the package', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cria-module-'));
    writeFileSync(join(root, 'future.mjs'), PROVIDER_SOURCE('remote::future', 2));
    writeFileSync(join(root, 'unversioned.mjs'), PROVIDER_SOURCE('remote::bare').replace('specVersion: 1, ', ''));
    const catalog = new Catalog();
    await expect(catalog.loadModule('./future.mjs', [root], 'providers.inference[0]')).rejects.toThrow(/providers\.inference\[0\]\.module: \.\/future\.mjs \(remote::future\) was made for provider contract version 2; this Cria speaks version 1/);
    await expect(catalog.loadModule('./unversioned.mjs', [root], 'providers.inference[1]')).rejects.toThrow(/make it with defineProvider\(\) from @cria\/api/);
  });

  it('registers the API modules and CLI commands a package declares, and refuses a second definition of an API', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cria-catalog-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'host', dependencies: { 'cria-greetings': '1' } }));
    const dir = join(root, 'node_modules', 'cria-greetings');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'cria-greetings',
        type: 'module',
        exports: { '.': './index.js', './hello': './hello.js' },
        cria: { apis: [{ name: 'greetings' }], commands: [{ name: 'hello', description: 'says hello', module: './hello' }] },
      }),
    );
    writeFileSync(join(dir, 'index.js'), "export default { specVersion: 1, name: 'greetings', description: 'x', kind: 'providers', createRouter: () => ({}) };");
    writeFileSync(join(dir, 'hello.js'), 'export default { run: async (argv, io) => { io.stdout.write(`hello ${argv.join(" ")}`); return 0; } };');
    const catalog = new Catalog();
    catalog.discoverDependencies(root);
    expect((await catalog.api('greetings')!.load()).kind).toBe('providers');
    let said = '';
    const stdout = new Writable({
      write(chunk, _encoding, done) {
        said += String(chunk);
        done();
      },
    });
    const code = await (await catalog.command('hello')!.load()).run(['you'], { stdout, stderr: process.stderr });
    expect([code, said]).toEqual([0, 'hello you']);
    expect(() => catalog.addApi({ name: 'greetings', kind: 'core', source: 'other', load: async () => { throw new Error('unused'); } })).toThrow(/API greetings is defined twice: by cria-greetings and by other/);
  });
});
