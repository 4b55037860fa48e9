import type { RouteResult } from '@cria/api';
import type { ServerRequest } from './server-request.js';

/**
 * The pipeline's hooks, in the order a request meets them (Fastify's names):
 * - `onRequest`: before routing; authentication, trace context, CORS. May answer (`request.reply`).
 * - `preValidation`: the route is known and the body read, not yet validated.
 * - `preHandler`: the input is valid; quotas and policies. May answer.
 * - `onSend`: the handler's result, before it is written.
 * - `onError`: a request failed; the error is in `request.error` (the envelope is sent after).
 * - `onResponse`: the response has been sent (or the client went away); metrics, logs, spans.
 * Every route goes through them: JSON, streams (SSE), uploads, file downloads and errors.
 */
export interface ServerHooks {
  onRequest: (request: ServerRequest) => void | Promise<void>;
  preValidation: (request: ServerRequest) => void | Promise<void>;
  preHandler: (request: ServerRequest) => void | Promise<void>;
  onSend: (request: ServerRequest, result: RouteResult) => void | Promise<void>;
  onError: (request: ServerRequest, error: unknown) => void | Promise<void>;
  onResponse: (request: ServerRequest) => void;
}

export type HookName = keyof ServerHooks;

/** Hooks to add to a server, by name; each may be one function or a list. */
export type HookRegistrations = { [Name in HookName]?: ServerHooks[Name] | readonly ServerHooks[Name][] };

/** The hooks of a server, in registration order. */
export class HookSet {
  readonly onRequest: ServerHooks['onRequest'][] = [];
  readonly preValidation: ServerHooks['preValidation'][] = [];
  readonly preHandler: ServerHooks['preHandler'][] = [];
  readonly onSend: ServerHooks['onSend'][] = [];
  readonly onError: ServerHooks['onError'][] = [];
  readonly onResponse: ServerHooks['onResponse'][] = [];

  add(registrations: HookRegistrations): void {
    for (const name of ['onRequest', 'preValidation', 'preHandler', 'onSend', 'onError', 'onResponse'] as const) {
      const given = registrations[name];
      if (!given) continue;
      const list: readonly unknown[] = Array.isArray(given) ? given : [given];
      for (const hook of list) {
        if (typeof hook !== 'function') throw new TypeError(`the ${name} hook must be a function`);
        this.addOne(name, hook as ServerHooks[typeof name]);
      }
    }
  }

  private addOne<Name extends HookName>(name: Name, hook: ServerHooks[Name]): void {
    (this[name] as ServerHooks[Name][]).push(hook);
  }
}

type RequestHook = (request: ServerRequest) => void | Promise<void>;

/**
 * Runs request hooks in order and stops once one has answered. Synchronous hooks run without a
 * promise (the caller awaits only what is returned): the first hook that returns one hands the
 * rest to `runRemainingHooks`.
 */
export function runRequestHooks(hooks: readonly RequestHook[], request: ServerRequest): void | Promise<void> {
  for (let index = 0; index < hooks.length; index++) {
    const pending = hooks[index]!(request);
    if (pending) return runRemainingHooks(pending, hooks, index + 1, request);
    if (request.replied) return;
  }
}

async function runRemainingHooks(pending: Promise<void>, hooks: readonly RequestHook[], next: number, request: ServerRequest): Promise<void> {
  await pending;
  for (let index = next; !request.replied && index < hooks.length; index++) {
    const more = hooks[index]!(request);
    if (more) await more;
  }
}
