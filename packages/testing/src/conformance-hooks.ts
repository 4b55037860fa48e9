import type { ProviderLogger } from '@cria/api';
import { type HookRegistrations, toErrorReply } from '@cria/server';
import { ConformanceLog, conformanceChecker } from './conformance.js';

/**
 * Server hooks that check every reply against the published schema of its route: JSON bodies,
 * each server-sent event of a stream, and error envelopes. Verdicts go to the returned log.
 */
export function conformanceHooks(logger: ProviderLogger): { hooks: HookRegistrations; log: ConformanceLog } {
  const log = new ConformanceLog();
  const checker = conformanceChecker();
  return {
    log,
    hooks: {
      onSend(request, result) {
        const route = request.route;
        if (!route) return;
        if ('json' in result) {
          if ((result.status ?? 200) < 300) log.add(checker.check(route.method, route.path, 'json', result.json));
        } else if ('sse' in result) {
          const events = result.sse;
          (result as { sse: AsyncIterable<unknown> }).sse = (async function* () {
            for await (const event of events) {
              log.add(checker.check(route.method, route.path, 'stream', event));
              yield event;
            }
          })();
        }
      },
      onError(request, error) {
        if (request.res.headersSent) return;
        // The envelope the server is about to send (toErrorReply is what it sends).
        const quiet = { ...logger, error() {}, warn() {} };
        log.add(checker.check(request.method, request.route?.path ?? request.path, 'error', toErrorReply(error, quiet).body));
      },
    },
  };
}
