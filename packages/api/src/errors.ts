/**
 * Cria's errors. Providers and the core throw these; only the server maps them to HTTP (status
 * and the OpenAI error envelope). `kind` says what went wrong, `isRetryable` whether the same
 * request may succeed later.
 */

export type CriaErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported'
  | 'rate_limited'
  | 'upstream'
  | 'upstream_timeout'
  | 'unavailable'
  | 'config'
  | 'internal';

export interface CriaErrorOptions {
  /** The request field at fault, as a path like `messages[0].role`. */
  param?: string | null;
  /** A machine-readable code, as OpenAI's `error.code`. */
  code?: string | null;
  cause?: unknown;
}

/**
 * The marker every Cria error carries: the names of its class and of the classes it extends. A
 * provider package may bring its own copy of @cria/api, so errors are recognised by this
 * registered symbol (the same in every copy), never by class identity; `instanceof` on these
 * classes reads the marker too.
 */
export const CRIA_ERROR = Symbol.for('cria.error');

type Marked = { [CRIA_ERROR]?: readonly string[] };

export class CriaError extends Error {
  declare readonly [CRIA_ERROR]: readonly string[];
  readonly kind: CriaErrorKind;
  readonly param: string | null;
  readonly code: string | null;
  /** Seconds after which the request may be tried again (`retry-after`), when known. */
  readonly retryAfterSeconds: number | null;

  constructor(kind: CriaErrorKind, message: string, options: CriaErrorOptions & { retryAfterSeconds?: number | null } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    const names: string[] = [];
    for (let proto: object | null = new.target.prototype; proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
      names.push((proto.constructor as { name: string }).name);
    }
    Object.defineProperty(this, CRIA_ERROR, { value: names, enumerable: false });
  }

  /** Whether the same request may succeed if tried again later. */
  get isRetryable(): boolean {
    return false;
  }

  /**
   * Whether `error` is of this class (`NotFoundError.is(error)`), from any copy of @cria/api:
   * read from the marker, not from class identity.
   */
  static is<T extends CriaError>(this: abstract new (...args: never[]) => T, error: unknown): error is T {
    const names = (error as Marked | null)?.[CRIA_ERROR];
    return Array.isArray(names) && names.includes(this.name);
  }

  /** `instanceof` reads the marker too, for code that uses it. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const names = (value as Marked | null)?.[CRIA_ERROR];
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** Whether `error` is a Cria error (from any copy of @cria/api), of `kind` when given. */
export function isCriaError(error: unknown, kind?: CriaErrorKind): error is CriaError {
  const names = (error as Marked | null)?.[CRIA_ERROR];
  return Array.isArray(names) && (kind === undefined || (error as CriaError).kind === kind);
}

/** The request is malformed or asks for something impossible. */
export class InvalidRequestError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('invalid_request', message, options);
  }
}

/** A named resource (model, file, vector store, ...) does not exist. */
export class NotFoundError extends CriaError {
  readonly resourceType: string;
  readonly resourceId: string;

  constructor(resourceType: string, resourceId: string, message?: string, options: CriaErrorOptions = {}) {
    super('not_found', message ?? `${resourceType} '${resourceId}' not found`, options);
    this.resourceType = resourceType;
    this.resourceId = resourceId;
  }
}

/** The path exists but not with this HTTP method. */
export class MethodNotAllowedError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('method_not_allowed', message, options);
  }
}

export class ConflictError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('conflict', message, options);
  }
}

export class AuthenticationError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('authentication', message, options);
  }
}

export class PermissionDeniedError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('permission_denied', message, options);
  }
}

export class PayloadTooLargeError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('payload_too_large', message, options);
  }
}

/** The provider cannot do what the request asks (a parameter or feature it lacks). */
export class UnsupportedError extends CriaError {
  constructor(message: string, options: CriaErrorOptions = {}) {
    super('unsupported', message, options);
  }
}

/** A temporary lack of capacity: a queue is full, a model is still loading. */
export class UnavailableError extends CriaError {
  constructor(message: string, options: CriaErrorOptions & { retryAfterSeconds?: number | null } = {}) {
    super('unavailable', message, options);
  }

  override get isRetryable(): boolean {
    return true;
  }
}

/** The distribution or a provider's config is wrong; `path` is the YAML path of the bad key. */
export class ConfigError extends CriaError {
  readonly path: string;
  /** The message without the path. */
  readonly reason: string;

  constructor(path: string, reason: string, options: CriaErrorOptions = {}) {
    super('config', path ? `${path}: ${reason}` : reason, options);
    this.path = path;
    this.reason = reason;
  }
}

export interface UpstreamErrorOptions extends CriaErrorOptions {
  /** The upstream's HTTP status, when it answered. */
  status?: number | null;
  /** Seconds from the upstream's `retry-after`. */
  retryAfterSeconds?: number | null;
  /** The upstream's error type, when it sent one. */
  type?: string | null;
}

/**
 * An upstream service (a remote provider) failed: refused the connection, answered with an
 * error, or broke a stream. The message is the upstream's own when it sent one.
 */
export class UpstreamError extends CriaError {
  readonly provider: string;
  readonly status: number | null;
  readonly upstreamType: string | null;

  constructor(provider: string, message: string, options: UpstreamErrorOptions = {}) {
    super(options.status === 429 ? 'rate_limited' : 'upstream', message, options);
    this.provider = provider;
    this.status = options.status ?? null;
    this.upstreamType = options.type ?? null;
  }

  override get isRetryable(): boolean {
    return this.status === null || this.status === 408 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

/** An upstream did not answer in time. */
export class UpstreamTimeoutError extends CriaError {
  readonly provider: string;

  constructor(provider: string, message: string, options: CriaErrorOptions = {}) {
    super('upstream_timeout', message, options);
    this.provider = provider;
  }

  override get isRetryable(): boolean {
    return true;
  }
}

/** Upstream client errors the caller caused (a bad parameter, an unknown model at the service): passed on with their status. */
const PASSED_UPSTREAM_STATUSES = new Set([400, 401, 403, 404, 409, 413, 422, 429]);

const STATUS_BY_KIND: Record<CriaErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported: 400,
  rate_limited: 429,
  upstream: 502,
  upstream_timeout: 504,
  unavailable: 503,
  config: 500,
  internal: 500,
};

/**
 * The HTTP status a Cria error is answered with, for the edges that speak HTTP (the server, a
 * batch's output lines): an upstream's client error keeps its status, its other failures are 502.
 */
export function httpStatusOf(error: CriaError): number {
  if (UpstreamError.is(error)) return error.status !== null && PASSED_UPSTREAM_STATUSES.has(error.status) ? error.status : 502;
  return STATUS_BY_KIND[error.kind] ?? 500;
}
