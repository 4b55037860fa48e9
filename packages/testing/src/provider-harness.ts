import { join } from 'node:path';
import { type AnyProviderSpec, type ApiProvider, ConfigError, createProviderInstance, type OutboundConfig, type ProviderApiName, type ProviderLifecycle } from '@cria/api';
import { compileSchema, createLogger, createOutboundUrlGuard, StorageBackends } from '@cria/core';
import { temporaryDirectory } from './server-harness.js';

export interface TestProviderOptions {
  /** Where the SQLite storage backends (`kv_default`, `sql_default`) keep their files. */
  dataDir: string;
  providerId?: string;
  /** Relative paths in the config resolve against this; `dataDir` when absent. */
  distributionDir?: string;
  /** APIs the provider depends on, by name. */
  deps?: Record<string, unknown>;
  /** The distribution's `server.outbound` rules for URLs taken from requests; the defaults when absent. */
  outbound?: OutboundConfig;
}

export interface TestProvider<Impl> {
  impl: Impl & ProviderLifecycle;
  /** The config after validation, with the schema's defaults filled in. */
  config: Record<string, unknown>;
  storage: StorageBackends;
  /** Shuts the provider down and closes its storage. */
  close(): Promise<void>;
}

/**
 * Creates a provider as the core would, without a server: validates `config` against the spec's
 * schema (defaults applied), gives it SQLite storage backends in `dataDir` (`kv_default` and
 * `sql_default`, as the starter distribution names them) and calls `create`.
 */
/** What a provider definition's `create` makes. */
export type ProviderImpl<Spec> = Spec extends { api: infer A extends ProviderApiName } ? ApiProvider<A> : never;

export async function createTestProvider<Spec extends AnyProviderSpec>(spec: Spec, config: Record<string, unknown>, options: TestProviderOptions): Promise<TestProvider<ProviderImpl<Spec>>> {
  const validated = structuredClone(config);
  const failure = compileSchema(spec.configSchema, { useDefaults: true })(validated);
  if (failure) throw new ConfigError(`config${failure.path ? `.${failure.path}` : ''}`, failure.message);
  const storage = new StorageBackends({
    kv_default: { type: 'kv_sqlite', db_path: join(options.dataDir, 'kvstore.db') },
    sql_default: { type: 'sql_sqlite', db_path: join(options.dataDir, 'sql_store.db') },
  });
  const outbound = createOutboundUrlGuard(options.outbound);
  try {
    const providerId = options.providerId ?? spec.providerType.split('::').pop()!;
    const impl = (await createProviderInstance(spec, validated, {
      providerId,
      providerType: spec.providerType,
      deps: options.deps ?? {},
      storage,
      logger: createLogger(providerId),
      distributionDir: options.distributionDir ?? options.dataDir,
      outbound,
    })) as ProviderImpl<Spec> & ProviderLifecycle;
    return {
      impl,
      config: validated,
      storage,
      close: async () => {
        await impl.shutdown?.();
        await outbound.close();
        await storage.close();
      },
    };
  } catch (error) {
    await outbound.close();
    await storage.close();
    throw error;
  }
}

/** A provider that can be created again on the same storage, as after a restart. */
export interface RestartableProvider<Impl> {
  /** Creates an instance; call the previous one's `shutdown` first (this closes its storage). */
  open(): Promise<Impl & ProviderLifecycle>;
  /** Closes the storage and removes the temporary data directory. */
  close(): Promise<void>;
}

/**
 * `createTestProvider` on a fresh temporary directory, reopened on the same storage by each
 * `open` (what the contract suites' restart checks need). `config` may be computed per open.
 */
export function restartableProvider<Spec extends AnyProviderSpec>(spec: Spec, config: Record<string, unknown> | (() => Promise<Record<string, unknown>>)): RestartableProvider<ProviderImpl<Spec>> {
  const temp = temporaryDirectory('cria-provider-');
  let current: TestProvider<ProviderImpl<Spec>> | undefined;
  return {
    open: async () => {
      await current?.storage.close();
      current = await createTestProvider(spec, typeof config === 'function' ? await config() : config, { dataDir: temp.dir });
      return current.impl;
    },
    close: async () => {
      await current?.storage.close();
      temp.remove();
    },
  };
}
