import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type RunningCria, startCria } from '@cria/cli';

export interface TestServerOptions {
  /** The distribution, as YAML text or as an object (storage in a fresh temp dir is added when absent). */
  distribution: string | Record<string, unknown>;
  /** Variables for `${env.*}` substitution. */
  env?: Record<string, string>;
  /** Keep storage here instead of a fresh temp dir (to restart on the same data). */
  dataDir?: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `<url>/v1`, for the openai client. */
  baseURL: string;
  dataDir: string;
  cria: RunningCria;
  close(): Promise<void>;
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
    const cria = await startCria({ distribution: text, yaml: true, directory: dataDir, host: '127.0.0.1', port: 0, env: { SQLITE_STORE_DIR: dataDir, ...(options.env ?? {}) } });
    return {
      url: cria.url,
      baseURL: `${cria.url}/v1`,
      dataDir,
      cria,
      close: async () => {
        await cria.close();
        temp?.remove();
      },
    };
  } catch (error) {
    temp?.remove();
    throw error;
  }
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
