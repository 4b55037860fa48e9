import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { addBuiltinApis, buildStack, Catalog, createLogger, type Distribution, NODE_CONDITIONS, parseDistribution, type Stack } from '@cria/core';
import { type HookName, type HookRegistrations, type RunningServer, startServer } from '@cria/server';
import { conformanceHooks } from './conformance-hooks.js';

export interface TestServerOptions {
  /** The distribution, as YAML text or as an object (storage in a fresh temp dir is added when absent). */
  distribution: string | Record<string, unknown>;
  /** Variables for `${env.*}` substitution. */
  env?: Record<string, string>;
  /** Keep storage here instead of a fresh temp dir (to restart on the same data). */
  dataDir?: string;
  /** The providers, APIs and commands to run with; by default, those of the package under test (see `testCatalog`). */
  catalog?: Catalog;
  /** Hooks every request goes through. */
  hooks?: HookRegistrations;
  /**
   * Check every reply against its route's published schema (on by default): `close()` fails,
   * naming them, when replies did not conform. See conformance.ts.
   */
  conformance?: boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `<url>/v1`, for the openai client. */
  baseURL: string;
  dataDir: string;
  stack: Stack;
  distribution: Distribution;
  server: RunningServer;
  close(): Promise<void>;
}

/** The package.json directory nearest to `from` (the package under test). */
function nearestPackageDir(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The catalog a test server runs with: the built-in APIs, the package under test (the nearest
 * package.json from `from`, the working directory by default) when it declares providers or
 * APIs in its `cria` field, and what its dependencies and devDependencies declare.
 */
export function testCatalog(from = process.cwd()): Catalog {
  const catalog = new Catalog();
  const host = nearestPackageDir(from);
  if (host) {
    // Under vitest, workspace packages are imported from their sources (the `source` condition), as vitest resolves them.
    const conditions = process.env.VITEST ? ['source', ...NODE_CONDITIONS] : NODE_CONDITIONS;
    catalog.discoverPackage(host, { conditions });
    catalog.discoverDependencies(host, { includeDev: true, conditions });
  }
  return addBuiltinApis(catalog);
}

/** SQLite storage in `dir`, laid out as the starter distribution's. */
export function sqliteStorage(dir: string): Record<string, unknown> {
  return {
    backends: {
      kv_default: { type: 'kv_sqlite', db_path: join(dir, 'kvstore.db') },
      sql_default: { type: 'sql_sqlite', db_path: join(dir, 'sql_store.db') },
    },
    stores: {
      metadata: { namespace: 'registry', backend: 'kv_default' },
      inference: { table_name: 'inference_store', backend: 'sql_default' },
      prompts: { namespace: 'prompts', backend: 'kv_default' },
      conversations: { table_name: 'openai_conversations', backend: 'sql_default' },
    },
  };
}

/** A fresh temporary directory, removed by the returned function. */
export function temporaryDirectory(prefix = 'cria-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts Cria on 127.0.0.1 on a free port, from a distribution given in the test. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const temp = options.dataDir ? null : temporaryDirectory();
  const dataDir = options.dataDir ?? temp!.dir;
  let text: string;
  if (typeof options.distribution === 'string') {
    text = options.distribution;
  } else {
    const distribution = { version: 2, distro_name: 'test', ...options.distribution };
    if (!('storage' in distribution)) (distribution as Record<string, unknown>).storage = sqliteStorage(dataDir);
    text = stringify(distribution);
  }
  try {
    const distribution = parseDistribution(text, { env: { ...process.env, SQLITE_STORE_DIR: dataDir, ...(options.env ?? {}) }, name: 'test', directory: dataDir });
    const logger = createLogger('cria');
    const stack = await buildStack(distribution, { catalog: options.catalog ?? testCatalog(), logger, moduleSearchDirs: [process.cwd()], version: '0.0.0-test' });
    const conformance = options.conformance === false ? null : conformanceHooks(logger);
    const hooks = mergeHooks(conformance?.hooks, options.hooks);
    let server: RunningServer;
    try {
      server = await startServer(stack, { version: '0.0.0-test', logger, host: '127.0.0.1', port: 0, ...(hooks ? { hooks } : {}) });
    } catch (error) {
      await stack.shutdown();
      throw error;
    }
    return {
      url: server.url,
      baseURL: `${server.url}/v1`,
      dataDir,
      stack,
      distribution,
      server,
      close: async () => {
        await server.close();
        temp?.remove();
        const failures = conformance?.log.failures() ?? [];
        if (failures.length) throw new Error(`${failures.length} replies did not conform to their published schema:\n${failures.slice(0, 20).join('\n')}`);
      },
    };
  } catch (error) {
    temp?.remove();
    throw error;
  }
}

/** Both sets of hooks, the first's of each kind running first. */
function mergeHooks(first: HookRegistrations | undefined, second: HookRegistrations | undefined): HookRegistrations | undefined {
  if (!first || !second) return first ?? second;
  const merged: Record<string, unknown[]> = {};
  for (const registrations of [first, second]) {
    for (const [name, given] of Object.entries(registrations) as [HookName, unknown][]) (merged[name] ??= []).push(...(Array.isArray(given) ? given : [given]));
  }
  return merged as HookRegistrations;
}

/** A distribution with one OpenAI-compatible inference provider pointed at `baseUrl`. */
export function remoteInferenceDistribution(
  baseUrl: string,
  options: { providerType?: string; providerId?: string; config?: Record<string, unknown>; models?: Record<string, unknown>[] } = {},
): Record<string, unknown> {
  return {
    apis: ['inference', 'models'],
    providers: {
      inference: [
        {
          provider_id: options.providerId ?? 'fake',
          provider_type: options.providerType ?? 'remote::openai',
          config: { base_url: baseUrl, api_key: 'test-key', ...(options.config ?? {}) },
        },
      ],
    },
    registered_resources: { models: options.models ?? [] },
  };
}
