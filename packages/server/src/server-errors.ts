import { type CriaErrorKind, type ErrorResponse, isCriaError, type ProviderLogger, UpstreamError } from '@cria/api';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: ErrorResponse;
}

/** Upstream client errors the caller caused (a bad parameter, an unknown model at the service): passed on as they are. */
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

function envelope(message: string, type: string, param: string | null, code: string | null): ErrorResponse {
  return { error: { message, type, param, code } };
}

/**
 * Maps any error to an HTTP status and OpenAI's error envelope. CriaErrors carry what to say;
 * anything else is a bug: logged with its stack, answered with a generic 500.
 */
export function toErrorReply(error: unknown, logger: ProviderLogger): ErrorReply {
  // Recognised by their marker, so errors from a provider's own copy of @cria/api map the same.
  if (UpstreamError.is(error)) {
    const status = error.status !== null && PASSED_UPSTREAM_STATUSES.has(error.status) ? error.status : 502;
    const headers: Record<string, string> = error.retryAfterSeconds !== null ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    const message = error.status !== null ? `Provider '${error.provider}' answered ${error.status}: ${error.message}` : error.message;
    const type = status === 429 ? 'rate_limit_error' : status < 500 ? (error.upstreamType ?? 'invalid_request_error') : 'api_error';
    if (status >= 500) logger.warn('upstream failure', { provider: error.provider, status: error.status, error: error.message });
    return { status, headers, body: envelope(message, type, error.param, error.code ?? (status >= 500 ? 'upstream_error' : null)) };
  }
  if (isCriaError(error)) {
    const status = STATUS_BY_KIND[error.kind] ?? 500;
    const headers: Record<string, string> = error.retryAfterSeconds !== null && error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    const type =
      status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    // A 500 is a fault of this server; 502-504 are faults elsewhere (an upstream, a missing model).
    if (status === 500) logger.error(error.message, { kind: error.kind });
    else if (status >= 500) logger.warn(error.message, { kind: error.kind });
    return { status, headers, body: envelope(error.message, type, error.param, error.code ?? (error.kind === 'upstream_timeout' ? 'upstream_timeout' : null)) };
  }
  logger.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return { status: 500, headers: {}, body: envelope('The server had an error while processing your request.', 'api_error', null, 'internal_error') };
}
