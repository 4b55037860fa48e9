import type { ProviderLogger } from '@cria/api';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

function threshold(): number {
  const level = (process.env.CRIA_LOG_LEVEL ?? 'info').toLowerCase() as LogLevel;
  return LEVELS[level] ?? LEVELS.info;
}

/** A small structured logger on stderr: `level [scope] message key=value ...`. */
export function createLogger(scope: string, minimum = threshold()): ProviderLogger {
  const write = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < minimum) return;
    let line = `${level.toUpperCase().padEnd(5)} [${scope}] ${message}`;
    if (fields) {
      for (const [name, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        line += ` ${name}=${typeof value === 'string' ? (/\s/.test(value) ? JSON.stringify(value) : value) : JSON.stringify(value)}`;
      }
    }
    process.stderr.write(`${line}\n`);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
