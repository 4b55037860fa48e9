#!/usr/bin/env node
// `pnpm bench <name>` runs scripts/bench-<name>.ts against the built packages.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here).filter((file) => /^bench-.+\.ts$/.test(file)).map((file) => file.slice(6, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: pnpm bench <${available.join(' | ')}> [options]`);
  process.exit(name ? 1 : 0);
}
const script = join(here, `bench-${name}.ts`);
if (!existsSync(script)) process.exit(1);
const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
