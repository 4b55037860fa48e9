import { homedir } from 'node:os';
import { ConfigError } from '@cria/api';

/**
 * Llama Stack's env grammar, exactly:
 *   ${env.X}            X's value; an error when X is unset or empty
 *   ${env.X:=default}   X's value, or `default` when X is unset or empty
 *   ${env.X:+value}     `value` when X is set and non-empty, else ""
 * A leading `~` in a substituted value is expanded. When a string held a reference, the result
 * is typed: "" -> null, true/false -> booleans, numerals -> numbers.
 */
const REFERENCE = /\$\{env\.([A-Z0-9_]+)(?::([=+])([^}]*))?\}/g;

/** Fields whose empty value drops a registered resource, as in Llama Stack. */
const RESOURCE_ID_FIELDS = ['vector_store_id', 'model_id', 'shield_id', 'dataset_id', 'scoring_fn_id', 'benchmark_id'];

export type Environment = Readonly<Record<string, string | undefined>>;

function expandUser(value: string): string {
  return value === '~' || value.startsWith('~/') ? homedir() + value.slice(1) : value;
}

function typed(value: string): unknown {
  if (value === '') return null;
  const lowered = value.toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  if (/^[-+]?\d+$/.test(value.trim())) return Number.parseInt(value, 10);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value.trim())) return Number.parseFloat(value);
  return value;
}

export function substituteString(text: string, env: Environment, path: string): unknown {
  let substituted = false;
  const result = text.replace(REFERENCE, (_match, name: string, operator: string | undefined, operand: string | undefined) => {
    substituted = true;
    const value = env[name];
    if (operator === '=') return value ? expandUser(value) : operand ? expandUser(operand) : '';
    if (operator === '+') return value ? (operand ? expandUser(operand) : '') : '';
    if (!value) {
      throw new ConfigError(
        path,
        `environment variable '${name}' is not set or empty. Use \${env.${name}:=default} for a default, \${env.${name}:+value} to make the field conditional, or set ${name}.`,
      );
    }
    return expandUser(value);
  });
  return substituted ? typed(result) : result;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/**
 * Substitutes every `${env.*}` reference in a parsed distribution. List entries that are
 * providers whose `provider_id` resolves to null, or resources whose id field resolves to empty,
 * are dropped (disabled) before their other fields are read, so their unset variables don't fail.
 * `kept` receives, for each list path, the original indices of the entries that stayed.
 */
export function substituteEnv(value: unknown, env: Environment, path = '', kept?: Map<string, number[]>): unknown {
  if (typeof value === 'string') return substituteString(value, env, path);
  if (Array.isArray(value)) {
    const result: unknown[] = [];
    const indices: number[] = [];
    value.forEach((entry, index) => {
      const entryPath = join(path, index);
      if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
        const record = entry as Record<string, unknown>;
        if (typeof record.provider_id === 'string' && 'provider_type' in record) {
          let providerId: unknown;
          try {
            providerId = substituteString(record.provider_id, env, join(entryPath, 'provider_id'));
          } catch {
            providerId = undefined;
          }
          if (providerId === null || providerId === '__disabled__') return;
        }
        for (const field of RESOURCE_ID_FIELDS) {
          if (typeof record[field] !== 'string') continue;
          let id: unknown;
          try {
            id = substituteString(record[field], env, join(entryPath, field));
          } catch {
            id = undefined;
          }
          if (id === null) return;
        }
      }
      result.push(substituteEnv(entry, env, entryPath, kept));
      indices.push(index);
    });
    kept?.set(path, indices);
    return result;
  }
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) result[key] = substituteEnv(entry, env, join(path, key), kept);
    return result;
  }
  return value;
}
