import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defineProvider } from '@cria/api';
import { ProviderCatalog } from './provider-catalog.js';

function providerPackage(root: string, name: string, source: string, metadata?: unknown): void {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { import: './index.js' } }, ...(metadata ? { cria: metadata } : {}) }));
  writeFileSync(join(dir, 'index.js'), source);
}

const PROVIDER_SOURCE = (providerType: string) => `export default { api: 'inference', providerType: '${providerType}', description: 'test', configSchema: { type: 'object' }, create: () => ({}) };`;

describe('provider catalog', () => {
  it('discovers providers from the package metadata of the host\'s dependencies and imports them only when loaded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cria-catalog-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'host', dependencies: { '@acme/provider': '1', 'plain-lib': '1' } }));
    providerPackage(root, '@acme/provider', PROVIDER_SOURCE('remote::acme'), { providers: [{ api: 'inference', providerType: 'remote::acme' }] });
    providerPackage(root, 'plain-lib', 'throw new Error("must not be imported")');
    const imported: string[] = [];
    const catalog = new ProviderCatalog();
    catalog.discoverDependencies(root, async (name) => {
      imported.push(name);
      return import(join(root, 'node_modules', name, 'index.js'));
    });
    expect(catalog.list().map((entry) => `${entry.api} ${entry.providerType} ${entry.source}`)).toEqual(['inference remote::acme @acme/provider']);
    expect(imported).toEqual([]);
    const spec = await catalog.get('inference', 'remote::acme')!.load();
    expect(spec.providerType).toBe('remote::acme');
    expect(imported).toEqual(['@acme/provider']);
  });

  it('refuses a second registration of the same provider type for an API', () => {
    const catalog = new ProviderCatalog();
    const spec = defineProvider({ api: 'inference', providerType: 'remote::twin', description: 'x', configSchema: {}, create: () => ({}) });
    catalog.addSpec(spec, 'first-package');
    expect(() => catalog.addSpec(spec, 'second-package')).toThrow(/remote::twin .* defined twice: by first-package and by second-package/);
    // The same type under another API is a different provider (Llama Stack has inline::localfs twice).
    catalog.addSpec({ ...spec, api: 'files' }, 'third-package');
  });

  it('loads a module named by a distribution from node_modules or a relative path', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cria-module-'));
    providerPackage(root, 'cria-provider-custom', PROVIDER_SOURCE('remote::custom'));
    writeFileSync(join(root, 'local-provider.mjs'), PROVIDER_SOURCE('remote::local'));
    const catalog = new ProviderCatalog();
    await catalog.loadModule('cria-provider-custom', [root], 'providers.inference[0]');
    await catalog.loadModule('./local-provider.mjs', [root], 'providers.inference[1]');
    expect(catalog.get('inference', 'remote::custom')?.source).toBe('cria-provider-custom');
    expect(catalog.get('inference', 'remote::local')).toBeDefined();
    const missing = await catalog.loadModule('not-installed', [root], 'providers.inference[2]').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).path).toBe('providers.inference[2].module');
    expect((missing as ConfigError).message).toContain('pnpm add not-installed');
    writeFileSync(join(root, 'not-a-provider.mjs'), 'export default { hello: 1 };');
    await expect(catalog.loadModule('./not-a-provider.mjs', [root], 'p')).rejects.toThrow(/does not export a provider definition/);
  });
});
