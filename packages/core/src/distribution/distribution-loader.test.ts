import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@cria/api';
import { loadDistributionFile, parseDistribution } from './distribution-loader.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('distribution loader', () => {
  it("loads Llama Stack 0.7.1's starter config as it is", () => {
    const distribution = loadDistributionFile(join(import.meta.dirname, '../../../testing/fixtures/llama-stack-0.7.1-starter-config.yaml'), { env: {} });
    expect(distribution.name).toBe('starter');
    // Providers enabled only by unset variables are disabled; the others stay.
    const ids = distribution.providers.map((provider) => provider.providerId);
    expect(ids).not.toContain('ollama');
    expect(ids).toEqual(expect.arrayContaining(['fireworks', 'openai', 'sqlite-vec', 'builtin-files']));
    expect(distribution.providers.find((provider) => provider.providerId === 'openai')!.path).toBe('providers.inference[7]');
    expect(distribution.storage.stores.inference).toMatchObject({ table_name: 'inference_store', backend: 'sql_default' });
  });

  it('reports a bad value with its YAML path and line', () => {
    const text = ['version: 2', 'providers:', '  inference:', '    - provider_id: vllm', '      provider_type: vllm', '      config: {}'].join('\n');
    const error = configError(() => parseDistribution(text, { env: {}, name: 'mine' }, '/x/mine.yaml'));
    expect(error.path).toBe('providers.inference[0].provider_type');
    expect(error.message).toContain('/x/mine.yaml:5');
    expect(error.message).toContain('does not match pattern');
  });

  it('checks server.outbound at load: a bad entry is named by its path and line', () => {
    const text = ['version: 2', 'server:', '  outbound:', '    allow: [metadata.internal]', '    deny:', '      - localhost', '      - 10.0.0.0/8', '      - 10.0.0.0/33'].join('\n');
    const error = configError(() => parseDistribution(text, { env: {}, name: 'mine' }, '/x/mine.yaml'));
    expect(error.path).toBe('server.outbound.deny[2]');
    expect(error.message).toBe("server.outbound.deny[2]: '10.0.0.0/33' is not a CIDR range: the prefix length is 0 to 32 (/x/mine.yaml:8)");
    expect(configError(() => parseDistribution('version: 2\nserver:\n  outbound:\n    allow: [42]\n', { env: {} })).path).toBe('server.outbound.allow[0]');
    const good = parseDistribution(text.replace('/33', '/16'), { env: {} });
    expect(good.outbound.deny.map((rule) => rule.entry)).toEqual(['localhost', '10.0.0.0/8', '10.0.0.0/16']);
    expect(good.outbound.allow.map((rule) => rule.entry)).toEqual(['metadata.internal']);
  });

  it('reports an unknown top-level key, and the original index of an entry after disabled ones', () => {
    expect(configError(() => parseDistribution('version: 2\nmodles: []\n', { env: {} })).path).toBe('modles');
    const text = [
      'version: 2',
      'providers:',
      '  inference:',
      '    - provider_id: ${env.NOPE:+off}',
      '      provider_type: remote::ollama',
      '    - provider_id: on',
      '      provider_type: remote::vllm',
      '      config: 5',
    ].join('\n');
    const error = configError(() => parseDistribution(text, { env: {} }, 'd.yaml'));
    expect(error.path).toBe('providers.inference[1].config');
    expect(error.message).toContain('d.yaml:8');
  });

  it("serves responses from a Llama Stack 0.2–0.3 agents section when there is no responses one", () => {
    const text = [
      'version: 2',
      'apis: [inference, agents]',
      'providers:',
      '  agents:',
      '    - provider_id: meta-reference',
      '      provider_type: inline::meta-reference',
      '      config:',
      '        persistence:',
      '          agent_state: {namespace: agents, backend: kv_default}',
      '          responses: {table_name: responses, backend: sql_default}',
    ].join('\n');
    const distribution = parseDistribution(text, { env: {} }, 'old.yaml');
    const responses = distribution.providers.find((provider) => provider.api === 'responses');
    expect(responses).toMatchObject({ providerId: 'meta-reference', providerType: 'inline::meta-reference', path: 'providers.agents[0]' });
    expect(responses!.config).toEqual(distribution.providers.find((provider) => provider.api === 'agents')!.config);
    expect(distribution.apis).toEqual(['inference', 'agents', 'responses']);
    expect(Object.keys(distribution.config.providers ?? {})).toEqual(['agents', 'responses']);
    // A distribution that has its own responses section keeps it as it is.
    const both = parseDistribution(`${text}\n  responses:\n    - provider_id: builtin\n      provider_type: inline::builtin\n`, { env: {} });
    expect(both.providers.filter((provider) => provider.api === 'responses').map((provider) => provider.providerId)).toEqual(['builtin']);
  });

  it('reports invalid YAML with line and column', () => {
    const error = configError(() => parseDistribution('version: 2\nproviders: [\n', { env: {} }, 'broken.yaml'));
    expect(error.message).toMatch(/broken\.yaml:\d+:\d+: invalid YAML/);
  });

  it('accepts run.yaml-style top-level resources (Llama Stack before registered_resources) and image_name', () => {
    const distribution = parseDistribution('version: 2\nimage_name: old\nmodels:\n  - model_id: m\n    provider_id: p\nvector_dbs: []\n', { env: {} });
    expect(distribution.name).toBe('old');
    expect(distribution.models).toEqual([{ model_id: 'm', provider_id: 'p' }]);
  });

  it('gives a distribution without storage SQLite stores under ~/.cria', () => {
    const distribution = parseDistribution('version: 2\ndistro_name: tiny\n', { env: {} });
    expect(distribution.storage.backends.kv_default).toMatchObject({ type: 'kv_sqlite', db_path: '~/.cria/distributions/tiny/kvstore.db' });
    expect(distribution.storage.stores.metadata).toEqual({ namespace: 'registry', backend: 'kv_default' });
  });

  it('refuses server.auth and server.quota rather than ignoring them', () => {
    expect(configError(() => parseDistribution('version: 2\nserver:\n  auth:\n    provider_config: {type: oauth2_token}\n', { env: {} })).path).toBe('server.auth');
    // Disabled through the env grammar, it is fine.
    expect(parseDistribution('version: 2\nserver:\n  auth: ${env.NOPE:=}\n', { env: {} }).name).toBe('distribution');
  });

  it('says which file it could not read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-dist-'));
    expect(configError(() => loadDistributionFile(join(dir, 'missing.yaml'))).message).toContain('missing.yaml');
    writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
    expect(configError(() => loadDistributionFile(join(dir, 'list.yaml'))).message).toContain('a YAML mapping');
  });
});
