import { type AnyApiModule, type AnyProviderSpec, ConfigError } from '@cria/api';
import type { Catalog } from '../catalog/catalog.js';
import type { Distribution, DistributionProviderEntry } from '../distribution/distribution-loader.js';

/** Llama Stack's API names, so a distribution naming one this build does not serve gets a clear message. */
export const LLAMA_STACK_APIS: readonly string[] = [
  'inference', 'safety', 'agents', 'responses', 'batches', 'vector_io', 'datasetio', 'scoring', 'eval', 'post_training',
  'tool_runtime', 'files', 'file_processors', 'telemetry', 'models', 'shields', 'vector_stores', 'datasets',
  'scoring_functions', 'benchmarks', 'tool_groups', 'prompts', 'conversations', 'connectors', 'inspect', 'providers', 'admin',
];

/** An API the stack serves, with its module and the providers the distribution gives it. */
export interface PlannedApi {
  name: string;
  module: AnyApiModule;
  entries: { entry: DistributionProviderEntry; spec: AnyProviderSpec }[];
}

/** A step of building the stack: create an API's providers, or build (and start) its router. */
export type BuildStep = { kind: 'providers'; api: string } | { kind: 'router'; api: string };

function notServed(name: string): string {
  return LLAMA_STACK_APIS.includes(name) ? `the ${name} API is not served by this build of Cria` : `'${name}' is not an API this build of Cria knows`;
}

/**
 * Which APIs a distribution serves: those it names (a `providers` section, or `apis`), the core
 * APIs, and every API they depend on. A provider section of an API nobody defines is an error;
 * an API named only in `apis` that this build lacks is reported and skipped.
 */
export async function planApis(distribution: Distribution, catalog: Catalog, warn: (message: string) => void): Promise<Map<string, AnyApiModule>> {
  const modules = new Map<string, AnyApiModule>();
  const sections = Object.keys(distribution.config.providers ?? {});
  for (const name of sections) {
    if (!catalog.api(name)) {
      const known = catalog.listApis().filter((entry) => entry.kind !== 'core').map((entry) => entry.name);
      throw new ConfigError(`providers.${name}`, `${notServed(name)} (APIs with providers here: ${known.join(', ')}; an API package can be named with external_apis_dir or a provider's module:) (${distribution.locate(`providers.${name}`)})`);
    }
  }
  const requested = new Set(sections);
  for (const name of distribution.config.apis ?? []) {
    const entry = catalog.api(name);
    if (!entry) {
      warn(`apis lists ${name}: ${notServed(name)}; skipped`);
      continue;
    }
    const kind = entry.kind === 'unknown' ? (await entry.load()).kind : entry.kind;
    // An API served by providers is configured by its providers section; core APIs are served with their dependencies.
    if (kind === 'core') requested.add(name);
    else if (!sections.includes(name)) warn(`apis lists ${name} but the distribution has no providers.${name} section; it is not served`);
  }
  for (const entry of catalog.listApis()) if (entry.kind === 'core') requested.add(entry.name);

  const pending = [...requested];
  const neededBy = new Map<string, string>();
  while (pending.length) {
    const name = pending.shift()!;
    if (modules.has(name)) continue;
    const entry = catalog.api(name);
    if (!entry) throw new ConfigError(`providers.${neededBy.get(name) ?? name}`, `the ${neededBy.get(name)} API needs the ${name} API: ${notServed(name)}`);
    const module = await entry.load();
    modules.set(name, module);
    for (const dependency of module.dependencies ?? []) {
      const dependencyEntry = catalog.api(dependency);
      // An API served by its providers must be configured to be served; core APIs come along.
      if (dependencyEntry && dependencyEntry.kind !== 'core' && !requested.has(dependency)) {
        const dependencyModule = await dependencyEntry.load();
        if (dependencyModule.kind !== 'core') {
          throw new ConfigError(`providers.${name}`, `the ${name} API needs the ${dependency} API: add providers.${dependency} to the distribution (${distribution.locate(`providers.${name}`)})`);
        }
      }
      neededBy.set(dependency, name);
      pending.push(dependency);
    }
  }
  return modules;
}

/**
 * Orders the build so that every router comes after the routers it depends on and the providers
 * it routes to, and every API's providers after the routers they depend on (topologically, as
 * Llama Stack's resolver does). A cycle is an error naming it.
 */
export function orderSteps(apis: ReadonlyMap<string, PlannedApi>): BuildStep[] {
  const ordered: BuildStep[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const id = (step: BuildStep) => `${step.kind}:${step.api}`;
  const before = (step: BuildStep): BuildStep[] => {
    const planned = apis.get(step.api)!;
    if (step.kind === 'providers') {
      const needed = new Set<string>();
      for (const { spec, entry } of planned.entries) {
        for (const dependency of spec.dependencies ?? []) {
          if (!apis.has(dependency)) throw new ConfigError(`${entry.path}.provider_type`, `${spec.providerType} needs the ${dependency} API, which this distribution does not serve`);
          needed.add(dependency);
        }
        for (const dependency of spec.optionalDependencies ?? []) if (apis.has(dependency)) needed.add(dependency);
      }
      return [...needed].map((api) => ({ kind: 'router', api }));
    }
    const module = planned.module;
    const steps: BuildStep[] = [{ kind: 'providers', api: module.providersOf && apis.has(module.providersOf) ? module.providersOf : step.api }];
    for (const dependency of module.dependencies ?? []) {
      if (!apis.has(dependency)) throw new ConfigError(`providers.${step.api}`, `the ${step.api} API needs the ${dependency} API, which this distribution does not serve`);
      steps.push({ kind: 'router', api: dependency });
    }
    for (const dependency of module.optionalDependencies ?? []) if (apis.has(dependency)) steps.push({ kind: 'router', api: dependency });
    return steps;
  };
  const visit = (step: BuildStep, chain: string[]) => {
    const key = id(step);
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') throw new ConfigError('providers', `the APIs depend on each other in a cycle: ${[...chain, key].join(' -> ')}`);
    state.set(key, 'visiting');
    for (const previous of before(step)) visit(previous, [...chain, key]);
    state.set(key, 'done');
    ordered.push(step);
  };
  // Telemetry first: its providers register the tracer and propagator that the work other
  // providers resume as they start (a batch, an eval job) continues its trace with.
  const names = [...apis.keys()].sort((a, b) => Number(b === 'telemetry') - Number(a === 'telemetry'));
  for (const api of names) {
    visit({ kind: 'providers', api }, []);
    visit({ kind: 'router', api }, []);
  }
  return ordered;
}
