import type { Context } from '@opentelemetry/api';

/**
 * A context that adds one value to its parent's: `setValue` makes a link, where the API's
 * contexts copy their whole map (a request's context is set for its span and each child span).
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
