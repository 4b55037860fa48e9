import type { ProviderLogger } from '@cria/api';
import { type HookRegistrations, toErrorReply } from '@cria/server';
import { ConformanceLog, conformanceChecker } from './conformance.js';
import { responseStreamInvariantProblems } from './conformance-open-responses.js';

/**
 * Server hooks that check every reply against the published schema of its route: JSON bodies,
 * each server-sent event of a stream, and error envelopes; Responses replies against OpenAI's,
 * Llama Stack's and Open Responses' schemas, and a whole Responses stream against the stream
 * rules (responseStreamInvariantProblems). Verdicts go to the returned log.
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
          if ((result.status ?? 200) < 300) for (const verdict of checker.checkAll(route.method, route.path, 'json', result.json)) log.add(verdict);
        } else if ('sse' in result) {
          const events = result.sse;
          const responseEvents = checker.answersResponse(route.method, route.path) ? ([] as unknown[]) : null;
          (result as { sse: AsyncIterable<unknown> }).sse = (async function* () {
            for await (const event of events) {
              for (const verdict of checker.checkAll(route.method, route.path, 'stream', event)) log.add(verdict);
              responseEvents?.push(event);
              yield event;
            }
            // Only a stream that ran to its end (not one the client left, nor one that threw) is checked whole.
            if (responseEvents) {
              const problems = responseStreamInvariantProblems(responseEvents);
              log.add({ route: `${route.method} ${route.path}`, kind: 'stream', spec: 'open-responses', schema: 'stream invariants', conforms: problems.length === 0, problems });
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
