import { InvalidRequestError } from '@cria/api';

/** Host and path: how Llama Stack matches an `mcp_headers` key to a server URL (scheme and query aside). */
function canonical(uri: string): string {
  try {
    const url = new URL(uri);
    return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return uri;
  }
}

/** Headers as an object, from `{name: value}` or Llama Stack 0.1's `["Name: value"]` lines. */
function headerObject(values: unknown, key: string): Record<string, string> {
  if (Array.isArray(values)) {
    const headers: Record<string, string> = {};
    for (const line of values) {
      const colon = typeof line === 'string' ? line.indexOf(':') : -1;
      if (colon <= 0) throw new InvalidRequestError(`mcp_headers['${key}'] has '${String(line)}'; expected 'Name: value'.`, { param: 'X-LlamaStack-Provider-Data' });
      headers[(line as string).slice(0, colon).trim()] = (line as string).slice(colon + 1).trim();
    }
    return headers;
  }
  if (values && typeof values === 'object') {
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'string') throw new InvalidRequestError(`mcp_headers['${key}']['${name}'] must be a string.`, { param: 'X-LlamaStack-Provider-Data' });
    }
    return values as Record<string, string>;
  }
  throw new InvalidRequestError(`mcp_headers['${key}'] must be an object of headers.`, { param: 'X-LlamaStack-Provider-Data' });
}

/**
 * The headers to send to the MCP server at `url`: those `mcp_headers` of the request's provider
 * data gives for it (matched on host and path, as Llama Stack does), and `Authorization: Bearer`
 * for an access token. A token and an Authorization header both given is refused: which one
 * should win is the client's call, not ours.
 */
export function mcpHeadersFor(url: string, providerData: Readonly<Record<string, unknown>> | null, authorization: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  const mcpHeaders = providerData?.mcp_headers;
  if (mcpHeaders !== undefined && mcpHeaders !== null) {
    if (typeof mcpHeaders !== 'object' || Array.isArray(mcpHeaders)) throw new InvalidRequestError('mcp_headers must be an object keyed by MCP server URL.', { param: 'X-LlamaStack-Provider-Data' });
    const target = canonical(url);
    for (const [key, values] of Object.entries(mcpHeaders)) {
      if (canonical(key) === target) Object.assign(headers, headerObject(values, key));
    }
  }
  if (authorization) {
    if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
      throw new InvalidRequestError('An Authorization header in mcp_headers and an authorization token were both given; send one.', { param: 'authorization' });
    }
    headers.Authorization = `Bearer ${authorization.replace(/^Bearer\s+/i, '')}`;
  }
  return headers;
}
