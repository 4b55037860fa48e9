#!/usr/bin/env node
// `pnpm conformance`: runs the test suites (or the vitest filters given) with every test server
// checking its replies against the published schema of their route (@cria/testing's conformance
// harness), then prints, per route, how many replies conformed, and the share over all routes.
// `pnpm conformance --report-only` prints the report of the last run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const directory = join(root, '.cache', 'conformance');
const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');

if (!reportOnly) {
  rmSync(directory, { recursive: true, force: true });
  const filters = args.filter((arg) => !arg.startsWith('--'));
  const run = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...filters], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CRIA_CONFORMANCE_DIR: directory },
  });
  if (run.status !== 0) console.error(`(the test run exited with ${run.status}; the report covers the replies it checked)`);
}

if (!existsSync(directory)) {
  console.error('no conformance report: run `pnpm conformance` first');
  process.exit(1);
}

/** @type {Map<string, { label: string, spec: string, schema: string, total: number, conforming: number, problems: Map<string, number> }>} */
const routes = new Map();
let unchecked = 0;
for (const file of readdirSync(directory).filter((name) => name.endsWith('.jsonl'))) {
  for (const line of readFileSync(join(directory, file), 'utf8').split('\n')) {
    if (!line) continue;
    const verdict = JSON.parse(line);
    if (!verdict.schema) {
      unchecked++;
      continue;
    }
    // Responses replies are checked against several specs, and their events by type: one row per spec.
    const key = `${verdict.route} ${verdict.kind} ${verdict.spec}`;
    let entry = routes.get(key);
    if (!entry) routes.set(key, (entry = { label: `${verdict.route} ${verdict.kind}`, spec: verdict.spec, schema: verdict.schema, total: 0, conforming: 0, problems: new Map() }));
    if (entry.schema !== verdict.schema) entry.schema = '(the schema of each event type)';
    entry.total++;
    if (verdict.conforms) entry.conforming++;
    for (const problem of verdict.problems) entry.problems.set(problem, (entry.problems.get(problem) ?? 0) + 1);
  }
}

const rows = [...routes].sort(([left], [right]) => left.localeCompare(right));
const width = Math.max(5, ...rows.map(([, entry]) => entry.label.length));
console.log(`${'route'.padEnd(width)}  ${'spec'.padEnd(14)}  ${'schema'.padEnd(36)}  conformed`);
let total = 0;
let conforming = 0;
let fullRoutes = 0;
for (const [, entry] of rows) {
  total += entry.total;
  conforming += entry.conforming;
  if (entry.conforming === entry.total) fullRoutes++;
  console.log(`${entry.label.padEnd(width)}  ${entry.spec.padEnd(14)}  ${entry.schema.padEnd(36)}  ${entry.conforming}/${entry.total}`);
  for (const [problem, count] of [...entry.problems].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.log(`${''.padEnd(width)}    ${count}× ${problem}`);
}
const share = (part, whole) => (whole ? ((100 * part) / whole).toFixed(1) : '100.0');
console.log(`\n${conforming}/${total} replies conformed (${share(conforming, total)}%); ${fullRoutes}/${rows.length} routes and reply kinds fully (${share(fullRoutes, rows.length)}%).`);
if (unchecked) console.log(`${unchecked} replies of routes no published spec describes were not checked.`);
process.exit(conforming === total ? 0 : 1);
