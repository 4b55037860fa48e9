import type { ProviderLogger } from '@cria/api';
import { buildStack, type Catalog, createLogger, type Distribution, loadDistributionFile, parseDistribution, type Stack } from '@cria/core';
import { type HookRegistrations, type RunningServer, startServer } from '@cria/server';
import { builtinCatalog, CLI_PACKAGE_DIR } from './cli-catalog.js';
import { resolveDistribution } from './cli-distributions.js';

import { CRIA_VERSION } from './cli-version.js';

export { CRIA_VERSION };

export interface StartCriaOptions {
  /** A shipped distribution's name, a YAML path, or YAML text with `yaml: true`. */
  distribution: string;
  /** Treat `distribution` as YAML text rather than a name or path. */
  yaml?: boolean;
  /** Where relative paths of an in-memory distribution resolve. */
  directory?: string;
  port?: number;
  host?: string;
  /** Overrides of the environment for `${env.*}` substitution (`--env K=V`). */
  env?: Record<string, string>;
  catalog?: Catalog;
  logger?: ProviderLogger;
  /** Hooks every request goes through. */
  hooks?: HookRegistrations;
}

export interface RunningCria extends RunningServer {
  stack: Stack;
  distribution: Distribution;
}

/** Loads a distribution, builds its stack and serves it. */
export async function startCria(options: StartCriaOptions): Promise<RunningCria> {
  const env = { ...process.env, ...(options.env ?? {}) };
  const distribution = options.yaml
    ? parseDistribution(options.distribution, { env, name: 'inline', directory: options.directory ?? process.cwd() })
    : loadDistributionFile(resolveDistribution(options.distribution), { env });
  const logger = options.logger ?? createLogger('cria');
  const stack = await buildStack(distribution, {
    catalog: options.catalog ?? builtinCatalog(),
    logger,
    moduleSearchDirs: [process.cwd(), CLI_PACKAGE_DIR],
    version: CRIA_VERSION,
  });
  try {
    const server = await startServer(stack, {
      version: CRIA_VERSION,
      logger,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    return { ...server, stack, distribution };
  } catch (error) {
    await stack.shutdown();
    throw error;
  }
}
