import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type DistributionConfig, type DistributionModel, type StorageBackendConfig, type StorageConfig } from '@cria/api';
import { compileOutboundPolicy, type OutboundPolicy } from '../outbound/outbound-url-guard.js';
import { compileApiSchema } from '../validation/validation.js';
import { type Environment, substituteEnv } from './distribution-env.js';

/** A provider entry of the distribution that is enabled (its provider_id resolved to a string). */
export interface DistributionProviderEntry {
  api: string;
  providerId: string;
  providerType: string;
  config: Record<string, unknown>;
  module: string | null;
  /** The entry's YAML path, for errors: `providers.inference[2]`. */
  path: string;
}

/** A distribution after env substitution, validation and normalisation. */
export interface Distribution {
  name: string;
  /** The file it came from, or null when built in memory. */
  path: string | null;
  /** Relative paths in provider configs resolve against this directory. */
  directory: string;
  apis: string[];
  providers: DistributionProviderEntry[];
  storage: Required<Pick<StorageConfig, 'backends'>> & { stores: NonNullable<StorageConfig['stores']> };
  models: DistributionModel[];
  /** `server.outbound`, checked: the rules for URLs taken from requests. */
  outbound: OutboundPolicy;
  /** The parsed config after substitution, for sections later APIs read. */
  config: DistributionConfig;
  /** Maps a path in the substituted config to the file's path and line, for messages. */
  locate(path: string): string;
}

export interface LoadDistributionOptions {
  env?: Environment;
  /** Used when the text did not come from a file. */
  name?: string;
  directory?: string;
}

const validateDistribution = compileApiSchema('DistributionConfig');

function defaultStorage(name: string): StorageConfig {
  const dir = `~/.cria/distributions/${name}`;
  return {
    backends: {
      kv_default: { type: 'kv_sqlite', db_path: `${dir}/kvstore.db` },
      sql_default: { type: 'sql_sqlite', db_path: `${dir}/sql_store.db` },
    },
    stores: {
      metadata: { namespace: 'registry', backend: 'kv_default' },
      inference: { table_name: 'inference_store', backend: 'sql_default' },
      conversations: { table_name: 'openai_conversations', backend: 'sql_default' },
      prompts: { namespace: 'prompts', backend: 'kv_default' },
    },
  };
}

/** Reads a distribution file: YAML, `${env.*}` substitution, validation against the config schema. */
export function loadDistributionFile(file: string, options: LoadDistributionOptions = {}): Distribution {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('', `cannot read distribution ${path}: ${(error as Error).message}`);
  }
  return parseDistribution(text, { ...options, name: options.name ?? basename(path, extname(path)), directory: dirname(path) }, path);
}

export function parseDistribution(text: string, options: LoadDistributionOptions = {}, file: string | null = null): Distribution {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = file ?? options.name ?? 'distribution';
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    const position = lineCounter.linePos(error.pos[0]);
    throw new ConfigError('', `${where}:${position.line}:${position.col}: invalid YAML: ${error.message.split('\n')[0]}`);
  }
  const raw = document.toJS() as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('', `${where}: a distribution is a YAML mapping`);

  const kept = new Map<string, number[]>();
  const locate = (substitutedPath: string) => locateInDocument(document, lineCounter, where, toOriginalPath(substitutedPath, kept));
  let substituted: unknown;
  try {
    substituted = substituteEnv(raw, options.env ?? process.env, '', kept);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.path, `${error.reason} (${locateInDocument(document, lineCounter, where, error.path)})`);
    throw error;
  }

  const failure = validateDistribution(substituted);
  if (failure) {
    const original = toOriginalPath(failure.path, kept);
    throw new ConfigError(original, `${failure.message} (${locateInDocument(document, lineCounter, where, original)})`);
  }
  const config = withResponsesFromAgents(substituted as DistributionConfig, kept);
  // Accepting these and ignoring them would leave a server open that its owner believes closed.
  for (const key of ['auth', 'quota'] as const) {
    if (config.server?.[key]) {
      throw new ConfigError(`server.${key}`, `${key === 'auth' ? 'authentication' : 'quotas'} are not available in this release of Cria; remove server.${key} (${locateInDocument(document, lineCounter, where, `server.${key}`)})`);
    }
  }
  const outbound = compileOutboundPolicy(config.server?.outbound, 'server.outbound', (path) => locateInDocument(document, lineCounter, where, path));
  const name = config.distro_name ?? config.image_name ?? options.name ?? 'distribution';

  const providers: DistributionProviderEntry[] = [];
  for (const [api, entries] of Object.entries(config.providers ?? {})) {
    const indices = kept.get(`providers.${api}`) ?? [];
    entries.forEach((entry, index) => {
      if (!entry.provider_id) return;
      providers.push({
        api,
        providerId: entry.provider_id,
        providerType: entry.provider_type,
        config: entry.config ?? {},
        module: entry.module ?? null,
        path: `providers.${api === 'responses' && config.providers?.responses === config.providers?.agents ? 'agents' : api}[${indices[index] ?? index}]`,
      });
    });
  }

  const resources = config.registered_resources ?? {};
  const models = [...(resources.models ?? []), ...(config.models ?? [])];
  const storage = config.storage ?? defaultStorage(name);

  return {
    name,
    path: file,
    directory: options.directory ?? process.cwd(),
    apis: config.apis ?? [...new Set(providers.map((provider) => provider.api))],
    providers,
    storage: { backends: (storage.backends ?? {}) as Record<string, StorageBackendConfig>, stores: storage.stores ?? {} },
    models,
    outbound,
    config,
    locate,
  };
}

/**
 * Llama Stack 0.2–0.3 served the Responses API from its agents provider (`inline::meta-reference`,
 * config `persistence.agent_state` + `persistence.responses`): a distribution with a
 * `providers.agents` section and no `providers.responses` one serves responses from the same
 * entries. Their paths stay `providers.agents[i]`, so errors point at the file's lines.
 */
function withResponsesFromAgents(config: DistributionConfig, kept: Map<string, number[]>): DistributionConfig {
  const providers = config.providers;
  if (!providers?.agents || providers.responses) return config;
  const agentsIndices = kept.get('providers.agents');
  if (agentsIndices) kept.set('providers.responses', agentsIndices);
  const apis = config.apis && config.apis.includes('agents') && !config.apis.includes('responses') ? [...config.apis, 'responses'] : config.apis;
  return { ...config, ...(apis ? { apis } : {}), providers: { ...providers, responses: providers.agents } };
}

/** Maps indices of the substituted config (disabled entries removed) back to the file's. */
function toOriginalPath(path: string, kept: Map<string, number[]>): string {
  let original = '';
  for (const token of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (token.startsWith('[')) {
      const index = Number(token.slice(1, -1));
      original += `[${kept.get(original)?.[index] ?? index}]`;
    } else {
      original += original ? `.${token}` : token;
    }
  }
  return original;
}

function locateInDocument(document: Document, lineCounter: LineCounter, where: string, path: string): string {
  const keys = (path.match(/[^.[\]]+|\[\d+\]/g) ?? []).map((token) => (token.startsWith('[') ? Number(token.slice(1, -1)) : token));
  // Walk as deep as the document goes: a missing key is reported at its parent.
  let node: unknown = document.contents;
  for (const key of keys) {
    const next = isMap(node) || isSeq(node) ? (node as { get(key: unknown, keepScalar: boolean): unknown }).get(key, true) : undefined;
    if (next === undefined || next === null) break;
    node = next;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return where;
  const { line } = lineCounter.linePos(range[0]);
  return `${where}:${line}`;
}
