import { type ErrorResponse, httpStatusOf, isCriaError, type ProviderLogger, UpstreamError } from '@cria/api';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: ErrorResponse;
}

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
    const status = httpStatusOf(error);
    const headers: Record<string, string> = error.retryAfterSeconds !== null ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    const message = error.status !== null ? `Provider '${error.provider}' answered ${error.status}: ${error.message}` : error.message;
    const type = status === 429 ? 'rate_limit_error' : status < 500 ? (error.upstreamType ?? 'invalid_request_error') : 'api_error';
    if (status >= 500) logger.warn('upstream failure', { provider: error.provider, status: error.status, error: error.message });
    return { status, headers, body: envelope(message, type, error.param, error.code ?? (status >= 500 ? 'upstream_error' : null)) };
  }
  if (isCriaError(error)) {
    const status = httpStatusOf(error);
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
