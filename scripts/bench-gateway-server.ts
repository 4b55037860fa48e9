/**
 * Cria for `pnpm bench gateway`, started in-process so the benchmark can add hooks: prints
 * `serving on <url>` when ready. `--noop-hooks N` adds N no-op hooks of each of the six kinds.
 */
import { parseArgs } from 'node:util';
import { startCria } from '@cria/cli';
import type { HookRegistrations } from '@cria/server';

// Cria runs here as `cria run` runs it: tsx turns on source-mapped stack traces, which users' servers do not pay for.
process.setSourceMapsEnabled(false);
const { values } = parseArgs({ options: { distribution: { type: 'string' }, port: { type: 'string', default: '0' }, 'noop-hooks': { type: 'string', default: '0' } } });
const count = Number(values['noop-hooks']);
const noop = () => undefined;
const many = <T>(hook: T): T[] => Array.from({ length: count }, () => hook);
const hooks: HookRegistrations = count > 0 ? { onRequest: many(noop), preValidation: many(noop), preHandler: many(noop), onSend: many(noop), onError: many(noop), onResponse: many(noop) } : {};
const running = await startCria({ distribution: values.distribution!, host: '127.0.0.1', port: Number(values.port), hooks });
console.log(`serving on ${running.url}`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
