import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import { ConfigError, InvalidRequestError, isCriaError, type OutboundConfig, type OutboundUrlGuard } from '@cria/api';
import { Readable } from 'node:stream';
import { Agent, buildConnector, type Dispatcher, fetch as undiciFetch } from 'undici';

/** An address as a number: IPv4-mapped IPv6 addresses are IPv4. */
interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

interface CidrRule {
  kind: 'cidr';
  /** The entry as written (or the default range), for messages. */
  entry: string;
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

interface HostRule {
  kind: 'host';
  entry: string;
  /** Lower-case ASCII (punycode), without a trailing dot. */
  name: string;
  /** `*.name`: its subdomains, not the name itself. */
  subdomains: boolean;
}

type OutboundRule = CidrRule | HostRule;

/** The distribution's `server.outbound`, parsed. */
export interface OutboundPolicy {
  allow: readonly OutboundRule[];
  deny: readonly OutboundRule[];
}

/** Resolves a host name to every address it has (`dns.promises.lookup(host, {all: true})` by default). */
export type OutboundResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

const WIDTH = { 4: 32, 6: 128 } as const;

const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

/** Refused unless an `allow` entry names them: link-local, cloud metadata, and "this host" (which reaches loopback). */
const DEFAULT_REFUSED: readonly { rule: CidrRule; why: string }[] = [
  { range: '169.254.0.0/16', why: 'link-local and cloud metadata addresses' },
  { range: 'fe80::/10', why: 'link-local and cloud metadata addresses' },
  { range: 'fd00:ec2::254', why: 'link-local and cloud metadata addresses' },
  { range: '0.0.0.0/8', why: '"this host" addresses (they reach the loopback interface)' },
  { range: '::', why: '"this host" addresses (they reach the loopback interface)' },
].map(({ range, why }) => ({ rule: parseOutboundRule(range) as CidrRule, why }));

const REFUSED = 'outbound_url_refused';

function ipv6Value(text: string): bigint {
  let body = text;
  const groups: number[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(body);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    groups.push((a << 8) | b, (c << 8) | d);
    body = body.slice(0, -dotted[0].length);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', tail] = body.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = 8 - groups.length - headGroups.length - tailGroups.length;
  const all = [...headGroups.map((group) => parseInt(group, 16)), ...Array<number>(tail === undefined ? 0 : zeros).fill(0), ...tailGroups.map((group) => parseInt(group, 16)), ...groups];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** An IPv4 or IPv6 address (a zone id ignored), or null when the text is not one. */
export function parseIp(text: string): IpAddress | null {
  const address = text.replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return { family: 4, value: address.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return null;
  const value = ipv6Value(address);
  return value >> 32n === 0xffffn ? { family: 4, value: value & 0xffffffffn } : { family: 6, value };
}

/** `a.b.c.d/n` or `x::/n`, or null when the text has no `/`; throws the reason when it is malformed. */
function parseCidr(entry: string): CidrRule | null {
  const slash = entry.indexOf('/');
  if (slash < 0) return null;
  const addressText = entry.slice(0, slash);
  const prefixText = entry.slice(slash + 1);
  const written = isIP(addressText);
  if (written === 0) throw new Error(`'${entry}' is not a CIDR range: '${addressText}' is not an IP address`);
  const width = WIDTH[written as 4 | 6];
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > width) throw new Error(`'${entry}' is not a CIDR range: the prefix length is 0 to ${width}`);
  let prefix = Number(prefixText);
  let address = parseIp(addressText)!;
  if (written === 6 && address.family === 4) {
    // An IPv4-mapped range (::ffff:a.b.c.d/n) means the IPv4 range, since mapped addresses are matched as IPv4.
    if (prefix < 96) throw new Error(`'${entry}' mixes IPv4-mapped and other IPv6 addresses; write the IPv4 range`);
    prefix -= 96;
  } else if (written === 6) {
    address = { family: 6, value: address.value };
  }
  const hostBits = BigInt(WIDTH[address.family] - prefix);
  if (address.value & ((1n << hostBits) - 1n)) {
    const network = (address.value >> hostBits) << hostBits;
    throw new Error(`'${entry}' has bits set after the /${prefixText} prefix (the range starts at ${formatIp({ family: address.family, value: network })})`);
  }
  return { kind: 'cidr', entry, family: address.family, network: address.value, prefix };
}

function formatIp(address: IpAddress): string {
  if (address.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((address.value >> shift) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** One entry of `server.outbound.allow` or `deny`: a host name (`*.` for its subdomains), an IP or a CIDR range. */
export function parseOutboundRule(entry: string): OutboundRule {
  const text = entry.trim();
  if (text.includes('://')) throw new Error(`'${entry}' is a URL; write its host name alone (example.com, *.example.com)`);
  const cidr = parseCidr(text);
  if (cidr) return cidr;
  const ip = parseIp(text);
  if (ip) return { kind: 'cidr', entry: text, family: ip.family, network: ip.value, prefix: WIDTH[ip.family] };
  if (text.startsWith('[')) throw new Error(`'${entry}': write an IPv6 address without brackets`);
  const subdomains = text.startsWith('*.');
  const name = domainToASCII(subdomains ? text.slice(2) : text).replace(/\.$/, '');
  if (!name || isIP(name) || !name.split('.').every((label) => LABEL.test(label))) {
    throw new Error(`'${entry}' is not a host name (example.com or *.example.com), an IP address or a CIDR range (10.0.0.0/8)`);
  }
  return { kind: 'host', entry: text, name, subdomains };
}

/** Parses `server.outbound`; a bad entry is a ConfigError naming its path (`server.outbound.deny[2]`). */
export function compileOutboundPolicy(settings: OutboundConfig | null | undefined, path = 'server.outbound', locate: (path: string) => string = (where) => where): OutboundPolicy {
  const parse = (list: 'allow' | 'deny') =>
    (settings?.[list] ?? []).map((entry, index) => {
      try {
        return parseOutboundRule(entry);
      } catch (error) {
        const where = `${path}.${list}[${index}]`;
        throw new ConfigError(where, `${(error as Error).message} (${locate(where)})`);
      }
    });
  return { allow: parse('allow'), deny: parse('deny') };
}

function inRange(address: IpAddress, rule: CidrRule): boolean {
  if (address.family !== rule.family) return false;
  const shift = BigInt(WIDTH[rule.family] - rule.prefix);
  return address.value >> shift === rule.network >> shift;
}

function hostMatches(hostname: string, rule: HostRule): boolean {
  return rule.subdomains ? hostname.endsWith(`.${rule.name}`) : hostname === rule.name;
}

/** The host of a URL as rules and resolvers see it: no IPv6 brackets, no trailing dot, lower case. */
function bareHost(hostname: string): string {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** Whether an error, or one of its causes, is a refusal of this guard. */
function refusalIn(error: unknown): InvalidRequestError | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (isCriaError(current, 'invalid_request') && current.code === REFUSED) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * An answer already read whole, as a Response whose `json()`, `text()` and the others answer from
 * its bytes: a Response built on them would wrap them in a web stream first (~50 µs). `body`
 * makes that stream only when asked for.
 */
function readResponse(bytes: Uint8Array, init: ResponseInit): Response {
  const response = new Response(null, init);
  let stream: ReadableStream<Uint8Array> | null = null;
  let read = false;
  const used = () => read || (stream?.locked ?? false);
  const take = (): Uint8Array => {
    if (used()) throw new TypeError('Body is unusable: Body has already been read');
    read = true;
    return bytes;
  };
  const text = async () => new TextDecoder().decode(take());
  Object.defineProperties(response, {
    body: { get: () => (stream ??= new Response(bytes).body!) },
    bodyUsed: { get: used },
    text: { value: text },
    json: { value: async () => JSON.parse(await text()) as unknown },
    arrayBuffer: { value: async () => take().slice().buffer },
    bytes: { value: async () => take().slice() },
    blob: { value: async () => new Blob([take()], { type: response.headers.get('content-type') ?? '' }) },
    formData: { value: async () => new Response(take(), { headers: response.headers }).formData() },
    clone: {
      value: () => {
        if (used()) throw new TypeError('Response.clone: Body has already been consumed.');
        return readResponse(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
      },
    },
  });
  return response;
}

export interface OutboundUrlGuardOptions {
  /** Replaces DNS (tests; hosts with their own resolution). */
  resolve?: OutboundResolver;
}

/**
 * The guard of URLs taken from requests (see OutboundUrlGuard in @cria/api). Precedence: a `deny`
 * entry refuses whatever `allow` says; an `allow` entry (a host name, or a range holding the
 * address) lets through an address the defaults refuse; everything else is allowed.
 */
export class CoreOutboundUrlGuard implements OutboundUrlGuard {
  readonly fetch: typeof fetch;
  private readonly resolve: OutboundResolver;
  private readonly dispatcher: Agent;

  constructor(
    private readonly policy: OutboundPolicy = { allow: [], deny: [] },
    options: OutboundUrlGuardOptions = {},
  ) {
    this.resolve = options.resolve ?? ((hostname) => dns.lookup(hostname, { all: true }));
    const connect = buildConnector({ lookup: this.lookup });
    this.dispatcher = new Agent({
      // net.connect skips `lookup` for literal addresses (a redirect to one included): those are checked here.
      connect: (connectOptions, callback) => {
        const address = parseIp(connectOptions.hostname);
        const refusal = address ? this.refusal(bareHost(connectOptions.hostname), [connectOptions.hostname], null) : null;
        if (refusal) callback(refusal, null);
        else connect(connectOptions, callback);
      },
    });
    this.fetch = this.fetchFor(null);
  }

  async check(url: string, param: string, options: { resolve?: boolean } = {}): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidRequestError(`'${url}' is not a URL.`, { param, code: 'invalid_url' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidRequestError(`'${url}' is not an http or https URL.`, { param, code: 'invalid_url' });
    }
    const host = bareHost(parsed.hostname);
    if (parseIp(host)) {
      const refusal = this.refusal(host, [host], param);
      if (refusal) throw refusal;
      return parsed;
    }
    const named = this.refusal(host, [], param);
    if (named) throw named;
    if (options.resolve === false) return parsed;
    let addresses: readonly LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new InvalidRequestError(`The host '${host}' of '${url}' could not be resolved${typeof code === 'string' ? ` (${code})` : ''}.`, { param, code: 'outbound_host_unresolved', cause: error });
    }
    const refusal = this.refusal(host, addresses.map((entry) => entry.address), param);
    if (refusal) throw refusal;
    return parsed;
  }

  fetchFor(param: string | null): typeof fetch {
    const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      // A signal of its own for each request: callers such as the MCP SDK pass one long-lived signal
      // to every request, and fetch's abort listeners on it pile up until a GC (each addition
      // scanning the others). `AbortSignal.any` follows the caller's signal without a listener.
      const signal = init?.signal ? AbortSignal.any([init.signal]) : undefined;
      try {
        if (typeof init?.body === 'string' && !(input instanceof Request)) {
          const answer = await this.fetchText(new URL(input), init, signal);
          if (answer) return answer;
        }
        return (await undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), ...(signal ? { signal } : {}), dispatcher: this.dispatcher })) as unknown as Response;
      } catch (error) {
        const refusal = refusalIn(error);
        if (!refusal) throw error;
        throw param === null ? refusal : new InvalidRequestError(refusal.message, { param, code: REFUSED });
      }
    };
    return guarded as typeof fetch;
  }

  /**
   * A request with a text body (an MCP message, a JSON call) sent with the dispatcher directly:
   * fetch would build a web stream of the body and tee it (a copy kept for redirects), about a
   * tenth of a millisecond per request. A redirect answer is left to fetch (null here), which
   * follows it with the body sent again.
   */
  private async fetchText(url: URL, init: RequestInit, signal: AbortSignal | undefined): Promise<Response | null> {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    let reply: Dispatcher.ResponseData;
    try {
      reply = await this.dispatcher.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: (init.method ?? 'POST').toUpperCase() as Dispatcher.HttpMethod, headers, body: init.body as string, ...(signal ? { signal } : {}) });
    } catch (error) {
      // Failing as fetch fails: the signal's reason, or a TypeError caused by what went wrong.
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    if (reply.statusCode >= 300 && reply.statusCode < 400 && reply.headers.location !== undefined) {
      await reply.body.dump();
      return null;
    }
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (Array.isArray(value)) for (const each of value) answerHeaders.append(name, each);
      else if (value !== undefined) answerHeaders.append(name, value);
    }
    const answer = { status: reply.statusCode, headers: answerHeaders };
    if (reply.statusCode === 204 || reply.statusCode === 205 || reply.statusCode === 304 || init.method === 'HEAD') {
      await reply.body.dump();
      return new Response(null, answer);
    }
    // An event stream is handed on as it comes; any other answer is read whole (fetch's callers read it whole too).
    if (answerHeaders.get('content-type')?.includes('text/event-stream')) return new Response(Readable.toWeb(reply.body) as ReadableStream<Uint8Array>, answer);
    return readResponse(new Uint8Array(await reply.body.arrayBuffer()), answer);
  }

  /** Closes the guarded fetch's connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * `net.connect`'s `lookup`, for connections to host names: resolves, and refuses the connection
   * unless every address passes (the addresses the socket then uses are the ones checked).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = bareHost(hostname);
    this.resolve(host).then(
      (resolved) => {
        const addresses = options.family === 4 || options.family === 6 ? resolved.filter((entry) => entry.family === options.family) : [...resolved];
        const refusal = this.refusal(host, resolved.map((entry) => entry.address), null);
        if (refusal) return callback(refusal as unknown as NodeJS.ErrnoException, '', 0);
        if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }), '', 0);
        if (options.all) return (callback as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

  /** Why the host or one of its addresses is refused, or null when they all pass. */
  private refusal(host: string, addresses: readonly string[], param: string | null): InvalidRequestError | null {
    const refuse = (message: string) => new InvalidRequestError(`refused: ${message}`, { param, code: REFUSED });
    const hostRule = (rules: readonly OutboundRule[]) => rules.find((rule): rule is HostRule => rule.kind === 'host' && hostMatches(host, rule));
    const denied = hostRule(this.policy.deny);
    if (denied) return refuse(`the host ${host} matches '${denied.entry}' of server.outbound.deny`);
    const hostAllowed = hostRule(this.policy.allow) !== undefined;
    for (const text of addresses) {
      const address = parseIp(text);
      if (!address) return refuse(`${host} resolved to '${text}', which is not an IP address`);
      const shown = formatIp(address);
      const cidr = (rules: readonly OutboundRule[]) => rules.find((rule): rule is CidrRule => rule.kind === 'cidr' && inRange(address, rule));
      const deniedRange = cidr(this.policy.deny);
      if (deniedRange) return refuse(`${shown}${shown === host ? '' : ` (of ${host})`} is in '${deniedRange.entry}' of server.outbound.deny`);
      if (hostAllowed || cidr(this.policy.allow)) continue;
      const fallback = DEFAULT_REFUSED.find(({ rule }) => inRange(address, rule));
      if (fallback) {
        return refuse(`${shown}${shown === host ? '' : ` (of ${host})`} is in ${fallback.rule.entry} (${fallback.why} are refused by default; allow it under server.outbound.allow)`);
      }
    }
    return null;
  }
}

/** The guard for a distribution's `server.outbound` settings. */
export function createOutboundUrlGuard(settings?: OutboundConfig | null, options: OutboundUrlGuardOptions = {}): CoreOutboundUrlGuard {
  return new CoreOutboundUrlGuard(compileOutboundPolicy(settings), options);
}
