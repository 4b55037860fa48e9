import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * OpenTelemetry's active context on AsyncLocalStorage, with `enter`: the pipeline's onRequest
 * hook makes the request's span active for the rest of the request (its handler, the provider
 * calls, the stream) without wrapping the pipeline in a closure.
 */
export class RequestContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(context, fn.bind(thisArg as ThisParameterType<F>) as (...args: A) => ReturnType<F>, ...args);
  }

  /** Makes `context` active for the rest of the current execution and what it starts. */
  enter(context: Context): void {
    this.storage.enterWith(context);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = this.storage;
    const bound = function (this: unknown, ...args: unknown[]) {
      return run.run(context, () => (target as (...args: unknown[]) => unknown).apply(this, args));
    };
    return bound as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

/**
 * A context that adds one value to its parent's: `setValue` makes a link, where the API's
 * contexts copy their whole map (a request's context is set five times or more: its span, its
 * id, each child span).
 */
export class LinkedContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key?: symbol,
    private readonly value?: unknown,
  ) {}

  getValue(key: symbol): unknown {
    return key === this.key ? this.value : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new LinkedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new LinkedContext(this, key, undefined);
  }
}
