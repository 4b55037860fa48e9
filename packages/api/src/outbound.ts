/**
 * The one guard for URLs a request names that the server itself connects to (an MCP server's
 * `server_url` or `mcp_endpoint`, an image or file URL to fetch). The core makes it from the
 * distribution's `server.outbound` settings and gives it to every provider (`ProviderContext.outbound`)
 * and API module (`ApiRouterContext.outbound`).
 *
 * By default link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254)
 * and the "this host" addresses (0.0.0.0/8, ::) are refused; loopback and private ranges are
 * allowed unless `server.outbound.deny` names them. Every address a host name resolves to is
 * checked, not only the literal host.
 */
export interface OutboundUrlGuard {
  /**
   * Parses `url` (http or https only), checks its host against the allow and deny lists, resolves
   * it and checks every address. Resolves to the parsed URL; otherwise throws InvalidRequestError
   * with `param` (the request field the URL came from, e.g. `tools[0].server_url`) and code
   * `outbound_url_refused` (a refused address or host, naming the rule), `invalid_url` (not an
   * http(s) URL) or `outbound_host_unresolved` (the name does not resolve).
   *
   * With `{ resolve: false }` only the URL, its host name and a literal address are checked, for
   * URLs kept to be used later (a registered MCP endpoint, whose name may not resolve yet); the
   * connection is checked again when it is made.
   */
  check(url: string, param: string, options?: { resolve?: boolean }): Promise<URL>;
  /**
   * A fetch whose every connection (the first, each redirect, each new pooled connection) is
   * checked against the same rules at connect time, with the addresses the connection then uses
   * (so a DNS answer that changes after `check`, DNS rebinding, is caught). A refusal rejects with
   * the InvalidRequestError itself (`param` null), not fetch's `TypeError: fetch failed`.
   */
  fetch: typeof fetch;
  /** `fetch`, with refusals naming `param` as the request field at fault. */
  fetchFor(param: string): typeof fetch;
}
