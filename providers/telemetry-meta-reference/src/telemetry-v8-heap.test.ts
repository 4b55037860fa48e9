import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '@cria/testing';
import { pretenuringChosenAtStart } from './telemetry-v8-heap.js';

describe('pretenuringChosenAtStart', () => {
  it('sees the flag in either form on the command line or in NODE_OPTIONS', () => {
    expect(pretenuringChosenAtStart(['--allocation-site-pretenuring'], '')).toBe(true);
    expect(pretenuringChosenAtStart(['--no-allocation_site_pretenuring'], '')).toBe(true);
    expect(pretenuringChosenAtStart([], '--max-old-space-size=512 --no-allocation-site-pretenuring')).toBe(true);
    expect(pretenuringChosenAtStart(['--import', 'tsx'], '--max-old-space-size=512')).toBe(false);
    expect(pretenuringChosenAtStart(['--allocation-site-pretenuring-extra'], '')).toBe(false);
  });
});

/**
 * A process that creates the telemetry provider (`config`), then makes a million objects from
 * one object literal and keeps them all: V8 decides to pretenure that allocation site, and the
 * next object it makes there is in the old generation, unless pretenuring is off. Printed:
 * whether that object is young. Only the interpreter runs until the decision (optimizing
 * compilers stop recording the survival V8 decides on), then the site is compiled; one GC thread
 * makes the decision the same on every run.
 */
function youngAfterSurvivingSite(config: Record<string, unknown>, nodeFlags: string[] = []): boolean {
  const data = temporaryDirectory();
  try {
    const script = join(data.dir, 'survivors.mjs');
    // The built provider, as `cria run` loads it: a loader that compiles TypeScript changes how V8 records the site.
    const provider = fileURLToPath(new URL('../dist/telemetry-provider.js', import.meta.url));
    writeFileSync(
      script,
      `import { setFlagsFromString } from 'node:v8';
const { MetaReferenceTelemetry } = await import(${JSON.stringify(provider)});
const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } };
const telemetry = await MetaReferenceTelemetry.create(${JSON.stringify(config)}, { logger });
const isYoung = new Function('value', 'return %InYoungGeneration(value)');
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)');
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)');
function make() { return { a: 1, b: 2 }; }
const kept = [];
for (let i = 0; i < 1_000_000; i++) kept.push(make());
setFlagsFromString('--turbofan');
prepare(make);
make();
optimizeNext(make);
make();
console.log(JSON.stringify({ young: isYoung(make()), kept: kept.length }));
await telemetry.shutdown();
`,
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-maglev', '--no-sparkplug', '--no-turbofan', '--single-threaded-gc', ...nodeFlags, script], { encoding: 'utf8', env, timeout: 60_000 });
    const line = child.stdout.split('\n').find((text) => text.startsWith('{"young"'));
    if (!line) throw new Error(`the child process printed no result (status ${child.status}): ${child.stderr}`);
    return (JSON.parse(line) as { young: boolean }).young;
  } finally {
    data.remove();
  }
}

describe('allocation-site pretenuring of a traced server', () => {
  it('is off once the provider traces, so objects of a site whose objects all survived are still allocated young', () => {
    expect(youngAfterSurvivingSite({ sinks: ['console'], prometheus: false })).toBe(true);
  });

  it('is left on without tracing, where V8 pretenures that site (the check above can fail)', () => {
    expect(youngAfterSurvivingSite({ prometheus: false })).toBe(false);
  });

  it('is left as the operator set it at start', () => {
    expect(youngAfterSurvivingSite({ sinks: ['console'], prometheus: false }, ['--allocation-site-pretenuring'])).toBe(false);
  });
});
