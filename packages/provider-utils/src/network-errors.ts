/** Codes of a connection that never reached the server (fetch wraps them in `TypeError: fetch failed`). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The first system or undici error code among an error's causes. */
export function systemCode(error: unknown): string | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** The code of a failure to reach a server at all (refused, reset, no such host), or null. */
export function unreachableCode(error: unknown): string | null {
  const code = systemCode(error);
  return code && UNREACHABLE_CODES.has(code) ? code : null;
}
