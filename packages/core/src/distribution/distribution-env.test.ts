import { describe, expect, it } from 'vitest';
import { ConfigError } from '@cria/api';
import { substituteEnv, substituteString } from './distribution-env.js';

describe("Llama Stack's env grammar", () => {
  const env = { SET: 'value', EMPTY: '', PORT: '8321', FLAG: 'True', RATIO: '0.5', HOME_DIR: '~/data' };

  it('substitutes required, default and conditional references', () => {
    expect(substituteString('${env.SET}', env, 'a')).toBe('value');
    expect(substituteString('${env.MISSING:=fallback}', env, 'a')).toBe('fallback');
    expect(substituteString('${env.SET:=fallback}', env, 'a')).toBe('value');
    expect(substituteString('${env.EMPTY:=fallback}', env, 'a')).toBe('fallback');
    expect(substituteString('${env.SET:+on}', env, 'a')).toBe('on');
    expect(substituteString('${env.MISSING:+on}', env, 'a')).toBeNull();
    expect(substituteString('${env.EMPTY:+on}', env, 'a')).toBeNull();
    expect(substituteString('${env.SET:+}', env, 'a')).toBeNull();
    expect(substituteString('http://${env.SET}:${env.PORT}/v1', env, 'a')).toBe('http://value:8321/v1');
  });

  it('types substituted values: "" -> null, booleans, numbers; leaves literals alone', () => {
    expect(substituteString('${env.MISSING:=}', env, 'a')).toBeNull();
    expect(substituteString('${env.PORT}', env, 'a')).toBe(8321);
    expect(substituteString('${env.RATIO}', env, 'a')).toBe(0.5);
    expect(substituteString('${env.FLAG}', env, 'a')).toBe(true);
    expect(substituteString('${env.MISSING:=false}', env, 'a')).toBe(false);
    expect(substituteString('8321', env, 'a')).toBe('8321');
    expect(substituteString('', env, 'a')).toBe('');
  });

  it('expands a leading ~ in substituted values', () => {
    expect(substituteString('${env.HOME_DIR}', env, 'a')).not.toContain('~');
    expect(substituteString('${env.MISSING:=~/x}', env, 'a')).toMatch(/^\/.*\/x$/);
  });

  it('names the variable and the YAML path when a required variable is unset', () => {
    expect(() => substituteEnv({ providers: { inference: [{ provider_id: 'x', provider_type: 'remote::vllm', config: { base_url: '${env.VLLM_URL}' } }] } }, env)).toThrow(ConfigError);
    try {
      substituteEnv({ providers: { inference: [{ provider_id: 'x', provider_type: 'remote::vllm', config: { base_url: '${env.VLLM_URL}' } }] } }, env);
    } catch (error) {
      expect((error as ConfigError).path).toBe('providers.inference[0].config.base_url');
      expect((error as ConfigError).message).toContain("'VLLM_URL'");
    }
  });

  it('drops providers whose id resolves to null before reading their config, and resources with empty ids', () => {
    const kept = new Map<string, number[]>();
    const result = substituteEnv(
      {
        providers: {
          inference: [
            { provider_id: '${env.MISSING:+ollama}', provider_type: 'remote::ollama', config: { base_url: '${env.ALSO_MISSING}' } },
            { provider_id: '${env.SET:+vllm}', provider_type: 'remote::vllm', config: {} },
          ],
        },
        registered_resources: { models: [{ model_id: '${env.MISSING:=}' }, { model_id: 'kept' }] },
      },
      env,
      '',
      kept,
    ) as { providers: { inference: unknown[] }; registered_resources: { models: unknown[] } };
    expect(result.providers.inference).toEqual([{ provider_id: 'vllm', provider_type: 'remote::vllm', config: {} }]);
    expect(result.registered_resources.models).toEqual([{ model_id: 'kept' }]);
    expect(kept.get('providers.inference')).toEqual([1]);
  });
});
