import { createRequire } from 'node:module';
import type { ProviderLogger } from '@cria/api';
import type { Logger as PinoLogger } from 'pino';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * A logger whose lines carry `named` fields (a request's id, a span's ids) before their own. A
 * logger made from another's adds to its fields, and its own win: a span's id over its request's.
 */
export function namedLogger(logger: ProviderLogger, named: Readonly<Record<string, unknown>>): ProviderLogger {
  return {
    debug: (message, fields) => logger.debug(message, { ...named, ...fields }),
    info: (message, fields) => logger.info(message, { ...named, ...fields }),
    warn: (message, fields) => logger.warn(message, { ...named, ...fields }),
    error: (message, fields) => logger.error(message, { ...named, ...fields }),
  };
}

/** The level the distribution asked for (`logging_config.level`), under CRIA_LOG_LEVEL. */
let distributionLevel: LogLevel | undefined;

function levelNamed(name: unknown): LogLevel | undefined {
  if (typeof name !== 'string') return undefined;
  const level = name.toLowerCase() === 'warning' ? 'warn' : name.toLowerCase() === 'critical' ? 'error' : name.toLowerCase();
  return level in LEVELS ? (level as LogLevel) : undefined;
}

function threshold(): number {
  return LEVELS[levelNamed(process.env.CRIA_LOG_LEVEL) ?? distributionLevel ?? 'info'];
}

/** Sets the level of the distribution's `logging_config.level` (CRIA_LOG_LEVEL still wins); loggers made after it use it. */
export function setDistributionLogLevel(level: unknown): void {
  distributionLevel = levelNamed(level);
}

/**
 * Keys whose values are never written: API keys, provider data, authorization. Matched at the
 * top level of a line's fields and one level down (`headers.authorization`, `config.api_key`).
 */
const SECRET_KEYS = ['api_key', 'apiKey', 'authorization', 'Authorization', 'password', 'secret', 'token', 'access_token', 'client_secret', 'provider_data', 'providerData', 'x-llamastack-provider-data', 'cookie'];
const REDACT_PATHS = [...SECRET_KEYS.map((key) => `["${key}"]`), ...SECRET_KEYS.map((key) => `*["${key}"]`)];
/** Secrets written into messages as text: bearer tokens, `sk-` keys, `api_key=...`. */
const SECRET_TEXT = /(bearer\s+)[\w.~+/=-]+|\b(sk-[\w-]{8,})|((?:api[_-]?key|token|secret|password)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

export function redactText(text: string): string {
  return text.replace(SECRET_TEXT, (_match, bearer: string | undefined, _key: string | undefined, assignment: string | undefined) => `${bearer ?? assignment ?? ''}[redacted]`);
}

let root: PinoLogger | undefined;

/** One JSON line a line (pino) on stderr; human-readable when stderr is a terminal. Made on the first line written. */
function rootLogger(): PinoLogger {
  if (root) return root;
  const pino = createRequire(import.meta.url)('pino') as typeof import('pino').default;
  const destination = process.stderr.isTTY ? { write: (line: string) => process.stderr.write(readable(line)) } : pino.destination({ fd: 2, sync: true });
  root = pino(
    {
      level: 'trace',
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          // The message, and the text of fields, are scrubbed of secrets written inline.
          if (typeof args[1] === 'string') args[1] = redactText(args[1]);
          const fields = args[0] as Record<string, unknown>;
          for (const key in fields) {
            const value = fields[key];
            if (typeof value === 'string') fields[key] = redactText(value);
            // A URL's parts are getters of its class, which the redaction's lookup of `password`
            // reads on another object and throws: the URL is written as its text, password hidden.
            else if (value instanceof URL) fields[key] = redactText(value.password ? value.href.replace(`:${value.password}@`, ':[redacted]@') : value.href);
          }
          method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  return root;
}

/** `LEVEL [scope] message key=value ...` from a JSON line, for a terminal. */
function readable(line: string): string {
  const { level, time: _time, scope, message, ...fields } = JSON.parse(line) as Record<string, unknown>;
  let text = `${String(level).toUpperCase().padEnd(5)} [${String(scope)}] ${String(message ?? '')}`;
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    text += ` ${name}=${typeof value === 'string' ? (/\s/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value)}`;
  }
  return `${text}\n`;
}

/**
 * A structured logger on stderr (pino): a JSON line per message with its level, time, scope,
 * fields; secrets redacted.
 * Lines under the level (CRIA_LOG_LEVEL, else the distribution's, else info) cost a comparison.
 */
export function createLogger(scope: string, minimum = threshold()): ProviderLogger {
  let child: PinoLogger | undefined;
  const write = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < minimum) return;
    child ??= rootLogger().child({ scope });
    try {
      child[level](fields ?? {}, message);
    } catch (error) {
      // Writing a line never fails what logged it: the line goes out without its fields.
      child[level]({ log_fields_error: (error as Error).message }, message);
    }
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
