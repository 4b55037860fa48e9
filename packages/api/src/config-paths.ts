import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Resolves a path from a config: `~` is the home directory, a relative path resolves against
 * `baseDir` (for providers, the distribution's directory), and SQLite's `:memory:` stays as it is.
 */
export function resolveConfigPath(path: string, baseDir: string): string {
  if (path === ':memory:') return path;
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
