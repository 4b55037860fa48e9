import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { ConfigError } from '@cria/api';
import { findPackageDirectory } from '@cria/core';
import { CLI_PACKAGE_DIR } from './cli-catalog.js';

/** Where the named distributions shipped with Cria live (the @cria/distributions package). */
export function distributionsDir(): string {
  const dir = findPackageDirectory('@cria/distributions', CLI_PACKAGE_DIR);
  if (!dir) throw new ConfigError('', 'the @cria/distributions package is not installed');
  return dir;
}

export interface DistributionListing {
  name: string;
  path: string;
  description: string;
}

/** The distributions Cria ships, with the first comment line of each as its description. */
export function listDistributions(): DistributionListing[] {
  const dir = distributionsDir();
  return readdirSync(dir)
    .filter((file) => extname(file) === '.yaml')
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const comment = readFileSync(path, 'utf8').split('\n').find((line) => line.startsWith('#'));
      return { name: file.slice(0, -'.yaml'.length), path, description: comment ? comment.replace(/^#\s*/, '') : '' };
    });
}

/** A path to a YAML file, or the name of a shipped distribution. */
export function resolveDistribution(nameOrPath: string): string {
  const asPath = resolve(nameOrPath);
  if (existsSync(asPath) && /\.ya?ml$/.test(asPath)) return asPath;
  if (existsSync(join(asPath, 'config.yaml'))) return join(asPath, 'config.yaml');
  if (existsSync(join(asPath, 'run.yaml'))) return join(asPath, 'run.yaml');
  const shipped = join(distributionsDir(), `${nameOrPath}.yaml`);
  if (/^[a-z0-9-]+$/i.test(nameOrPath) && existsSync(shipped)) return shipped;
  const names = listDistributions().map((listing) => listing.name);
  throw new ConfigError('', `no distribution '${nameOrPath}': not a YAML file here, nor one of ${names.join(', ')}`);
}

