import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type OutboundConfig } from '@cria/api';
import { compileOutboundPolicy, CoreOutboundUrlGuard, type OutboundResolver } from './outbound-url-guard.js';

/** A resolver from a table (`host -> addresses`), as DNS would answer; unknown names fail as getaddrinfo does. */
function resolverOf(table: Record<string, string[] | (() => string[])>): OutboundResolver {
  return async (hostname) => {
    const entry = table[hostname];
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return (typeof entry === 'function' ? entry() : entry).map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const DNS = resolverOf({
  localhost: ['127.0.0.1', '::1'],
  'metadata.internal': ['169.254.169.254'],
  'mixed.example.com': ['93.184.215.14', 'fe80::1'],
  'example.com': ['93.184.215.14'],
  'api.example.com': ['93.184.215.15'],
  'ten.example.com': ['10.1.2.3'],
});

function guardOf(settings: OutboundConfig = {}, resolve: OutboundResolver = DNS): CoreOutboundUrlGuard {
  return new CoreOutboundUrlGuard(compileOutboundPolicy(settings), { resolve });
}

/** The InvalidRequestError a check throws, as the fields the error envelope shows. */
async function refusalOf(promise: Promise<unknown>): Promise<{ kind: string; param: string | null; code: string | null; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (failure: unknown) => failure as { kind: string; param: string | null; code: string | null; message: string },
  );
  return { kind: error.kind, param: error.param, code: error.code, message: error.message };
}

describe('the outbound URL guard: defaults', () => {
  const guard = guardOf();

  it('refuses link-local and cloud metadata addresses, naming the field and the rule', async () => {
    expect(await refusalOf(guard.check('http://169.254.169.254/latest/meta-data', 'tools[0].server_url'))).toEqual({
      kind: 'invalid_request',
      param: 'tools[0].server_url',
      code: 'outbound_url_refused',
      message: 'refused: 169.254.169.254 is in 169.254.0.0/16 (link-local and cloud metadata addresses are refused by default; allow it under server.outbound.allow)',
    });
    // The URL parser's other spellings of the same address.
    for (const url of ['http://2852039166/', 'http://0xa9.0xfe.0xa9.0xfe/', 'http://169.254.1/']) {
      expect((await refusalOf(guard.check(url, 'url'))).message).toContain('is in 169.254.0.0/16');
    }
    expect((await refusalOf(guard.check('http://[fe80::1]:8080/mcp', 'mcp_endpoint'))).message).toBe(
      'refused: fe80::1 is in fe80::/10 (link-local and cloud metadata addresses are refused by default; allow it under server.outbound.allow)',
    );
    expect((await refusalOf(guard.check('http://[fd00:ec2::254]/', 'url'))).message).toContain('fd00:ec2::254 is in fd00:ec2::254 (link-local and cloud metadata');
  });

  it('matches IPv4-mapped IPv6 addresses as IPv4', async () => {
    expect((await refusalOf(guard.check('http://[::ffff:169.254.169.254]/', 'url'))).message).toContain('169.254.169.254 (of ::ffff:a9fe:a9fe) is in 169.254.0.0/16');
    expect((await refusalOf(guard.check('http://[::ffff:a9fe:1]/', 'url'))).message).toContain('169.254.0.1 (of ::ffff:a9fe:1) is in 169.254.0.0/16');
  });

  it('refuses the "this host" addresses 0.0.0.0/8 and ::, which reach loopback', async () => {
    expect((await refusalOf(guard.check('http://0.0.0.0:8321/', 'url'))).message).toContain('0.0.0.0 is in 0.0.0.0/8 ("this host" addresses');
    expect((await refusalOf(guard.check('http://[::]/', 'url'))).message).toContain(':: is in ::');
  });

  it('allows loopback, private ranges and public hosts', async () => {
    for (const url of ['http://127.0.0.1:3000/mcp', 'http://[::1]/', 'http://10.0.0.5/', 'http://192.168.1.20/', 'http://[fd12::1]/', 'https://example.com/a.png', 'http://localhost:8000/sse']) {
      expect((await guard.check(url, 'url')).href).toBe(new URL(url).href);
    }
  });

  it('checks every address a host name resolves to', async () => {
    const metadata = await refusalOf(guard.check('http://metadata.internal/computeMetadata/v1', 'mcp_endpoint.uri'));
    expect(metadata).toMatchObject({ param: 'mcp_endpoint.uri', code: 'outbound_url_refused' });
    expect(metadata.message).toBe('refused: 169.254.169.254 (of metadata.internal) is in 169.254.0.0/16 (link-local and cloud metadata addresses are refused by default; allow it under server.outbound.allow)');
    expect((await refusalOf(guard.check('https://mixed.example.com/', 'url'))).message).toContain('fe80::1 (of mixed.example.com) is in fe80::/10');
  });

  it('answers a name that does not resolve with a 400 naming the host, and only parses with resolve: false', async () => {
    expect(await refusalOf(guard.check('http://nowhere.invalid:9000/mcp', 'mcp_endpoint'))).toEqual({
      kind: 'invalid_request',
      param: 'mcp_endpoint',
      code: 'outbound_host_unresolved',
      message: "The host 'nowhere.invalid' of 'http://nowhere.invalid:9000/mcp' could not be resolved (ENOTFOUND).",
    });
    expect((await guard.check('http://nowhere.invalid:9000/mcp', 'mcp_endpoint', { resolve: false })).host).toBe('nowhere.invalid:9000');
    // A literal address is checked without resolving.
    expect((await refusalOf(guard.check('http://169.254.169.254/', 'mcp_endpoint.uri', { resolve: false }))).code).toBe('outbound_url_refused');
  });

  it('takes http and https URLs only, naming the field', async () => {
    expect(await refusalOf(guard.check('file:///etc/passwd', 'input[0].content[1].image_url'))).toEqual({
      kind: 'invalid_request',
      param: 'input[0].content[1].image_url',
      code: 'invalid_url',
      message: "'file:///etc/passwd' is not an http or https URL.",
    });
    expect(await refusalOf(guard.check('not a url', 'server_url'))).toMatchObject({ param: 'server_url', code: 'invalid_url', message: "'not a url' is not a URL." });
    expect((await refusalOf(guard.check('gopher://127.0.0.1/', 'url'))).code).toBe('invalid_url');
  });
});

describe('the outbound URL guard: allow and deny lists', () => {
  it('refuses loopback when the deny list names its range or the host localhost', async () => {
    const byRange = guardOf({ deny: ['127.0.0.0/8', '::1'] });
    expect((await refusalOf(byRange.check('http://localhost:8000/mcp', 'mcp_endpoint'))).message).toBe("refused: 127.0.0.1 (of localhost) is in '127.0.0.0/8' of server.outbound.deny");
    expect((await refusalOf(byRange.check('http://127.8.9.10/', 'url'))).message).toBe("refused: 127.8.9.10 is in '127.0.0.0/8' of server.outbound.deny");
    expect((await refusalOf(byRange.check('http://[::1]/', 'url'))).message).toBe("refused: ::1 is in '::1' of server.outbound.deny");
    expect((await refusalOf(byRange.check('http://[::ffff:127.0.0.1]/', 'url'))).message).toContain("is in '127.0.0.0/8' of server.outbound.deny");
    expect((await byRange.check('http://10.0.0.1/', 'url')).hostname).toBe('10.0.0.1');

    const byName = guardOf({ deny: ['localhost'] });
    expect((await refusalOf(byName.check('http://LOCALHOST.:8000/mcp', 'mcp_endpoint', { resolve: false }))).message).toBe("refused: the host localhost matches 'localhost' of server.outbound.deny");
    // The name only: 127.0.0.1 written out is still allowed (deny its range for that).
    expect((await byName.check('http://127.0.0.1:8000/mcp', 'mcp_endpoint')).hostname).toBe('127.0.0.1');
  });

  it('lets an allow entry override the default refusal, by host name or by address', async () => {
    const byName = guardOf({ allow: ['metadata.internal'] });
    expect((await byName.check('http://metadata.internal/v1', 'url')).hostname).toBe('metadata.internal');
    expect((await refusalOf(byName.check('http://169.254.169.254/v1', 'url'))).code).toBe('outbound_url_refused');

    const byAddress = guardOf({ allow: ['169.254.169.254'] });
    expect((await byAddress.check('http://169.254.169.254/v1', 'url')).hostname).toBe('169.254.169.254');
    expect((await byAddress.check('http://metadata.internal/v1', 'url')).hostname).toBe('metadata.internal');
    expect((await refusalOf(byAddress.check('http://169.254.169.253/v1', 'url'))).message).toContain('is in 169.254.0.0/16');
    expect((await guardOf({ allow: ['fe80::/10'] }).check('http://[fe80::9]/', 'url')).hostname).toBe('[fe80::9]');
  });

  it('lets deny win over allow', async () => {
    const guard = guardOf({ allow: ['10.0.0.0/8', 'metadata.internal', '*.example.com'], deny: ['10.1.0.0/16', '169.254.169.254', 'api.example.com'] });
    expect((await guard.check('http://10.2.0.1/', 'url')).hostname).toBe('10.2.0.1');
    expect((await refusalOf(guard.check('http://ten.example.com/', 'url'))).message).toBe("refused: 10.1.2.3 (of ten.example.com) is in '10.1.0.0/16' of server.outbound.deny");
    expect((await refusalOf(guard.check('http://metadata.internal/', 'url'))).message).toBe("refused: 169.254.169.254 (of metadata.internal) is in '169.254.169.254' of server.outbound.deny");
    expect((await refusalOf(guard.check('http://api.example.com/', 'url'))).message).toBe("refused: the host api.example.com matches 'api.example.com' of server.outbound.deny");
  });

  it('matches *.domain against subdomains only', async () => {
    const guard = guardOf({ deny: ['*.example.com'] });
    expect((await refusalOf(guard.check('https://api.example.com/', 'url'))).message).toBe("refused: the host api.example.com matches '*.example.com' of server.outbound.deny");
    expect((await guard.check('https://example.com/', 'url')).hostname).toBe('example.com');
    expect((await guard.check('https://notexample.com/', 'url', { resolve: false })).hostname).toBe('notexample.com');
  });
});

describe('compileOutboundPolicy', () => {
  function failure(settings: OutboundConfig): { path: string; reason: string } {
    try {
      compileOutboundPolicy(settings);
    } catch (error) {
      expect(ConfigError.is(error)).toBe(true);
      return { path: (error as ConfigError).path, reason: (error as ConfigError).reason };
    }
    throw new Error('expected a ConfigError');
  }

  it('names the path of a bad entry and why it is bad', () => {
    expect(failure({ deny: ['localhost', '10.0.0.0/8', '10.0.0.0/33'] })).toEqual({ path: 'server.outbound.deny[2]', reason: "'10.0.0.0/33' is not a CIDR range: the prefix length is 0 to 32 (server.outbound.deny[2])" });
    expect(failure({ allow: ['fd00::/129'] }).reason).toContain('the prefix length is 0 to 128');
    expect(failure({ allow: ['1.2.3.4.5/8'] })).toMatchObject({ path: 'server.outbound.allow[0]', reason: expect.stringContaining("'1.2.3.4.5' is not an IP address") });
    expect(failure({ deny: ['10.0.0.1/8'] }).reason).toContain("'10.0.0.1/8' has bits set after the /8 prefix (the range starts at 10.0.0.0)");
    expect(failure({ deny: ['10.0.0.0/x'] }).reason).toContain('the prefix length is 0 to 32');
    expect(failure({ deny: ['http://example.com'] }).reason).toContain("'http://example.com' is a URL; write its host name alone");
    expect(failure({ deny: ['example.com:8080'] })).toEqual({
      path: 'server.outbound.deny[0]',
      reason: "'example.com:8080' is not a host name (example.com or *.example.com), an IP address or a CIDR range (10.0.0.0/8) (server.outbound.deny[0])",
    });
    expect(failure({ deny: ['[::1]'] }).reason).toContain('without brackets');
  });

  it('accepts host names, wildcards, IPs and CIDR ranges of both families', () => {
    const policy = compileOutboundPolicy({ allow: ['Example.COM.', '*.internal', 'bücher.de'], deny: ['::1', '0.0.0.0/0', '::/0', 'fc00::/7', '::ffff:10.0.0.0/104'] });
    expect(policy.allow.map((rule) => (rule.kind === 'host' ? rule.name : rule.entry))).toEqual(['example.com', 'internal', 'xn--bcher-kva.de']);
    expect(policy.deny.map((rule) => (rule.kind === 'cidr' ? `${rule.family}/${rule.prefix}` : rule.name))).toEqual(['6/128', '4/0', '6/0', '6/7', '4/8']);
  });
});

describe('the guarded fetch', () => {
  let http: Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    http = createServer((request, response) => {
      seen.push(`${request.headers.host} ${request.url}`);
      if (request.url === '/redirect') response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      else if (request.url === '/redirect-by-name') response.writeHead(302, { location: `http://metadata.internal:${port}/` }).end();
      else if (request.url === '/moved') response.writeHead(307, { location: '/echo' }).end();
      else if (request.url === '/events') response.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: one\n\ndata: two\n\n');
      else if (request.url === '/echo') {
        let body = '';
        request.setEncoding('utf8').on('data', (part: string) => (body += part));
        request.on('end', () => response.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end(JSON.stringify({ method: request.method, type: request.headers['content-type'], session: request.headers['mcp-session-id'], body })));
      } else response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  it('connects to the addresses it checked', async () => {
    const guard = guardOf({}, resolverOf({ 'service.test': ['127.0.0.1'] }));
    const response = await guard.fetch(`http://service.test:${port}/hello`);
    expect(await response.text()).toBe('hello');
    expect(seen).toContain(`service.test:${port} /hello`);
    await guard.close();
  });

  it('refuses at connect time a name whose answer changed after the check (DNS rebinding)', async () => {
    let answers = 0;
    const guard = guardOf({ deny: ['127.0.0.0/8'] }, resolverOf({ 'rebind.test': () => (answers++ === 0 ? ['93.184.215.14'] : ['127.0.0.1']) }));
    await guard.check(`http://rebind.test:${port}/`, 'url');
    const before = seen.length;
    const refusal = await refusalOf(guard.fetchFor('tools[0].server_url')(`http://rebind.test:${port}/secret`));
    expect(refusal).toEqual({ kind: 'invalid_request', param: 'tools[0].server_url', code: 'outbound_url_refused', message: "refused: 127.0.0.1 (of rebind.test) is in '127.0.0.0/8' of server.outbound.deny" });
    expect(seen.length).toBe(before);
    await guard.close();
  });

  it('refuses literal addresses and redirects to refused addresses, without connecting', async () => {
    const guard = guardOf({}, resolverOf({ 'metadata.internal': ['127.0.0.1'], 'service.test': ['127.0.0.1'] }));
    const redirected = await refusalOf(guard.fetch(`http://127.0.0.1:${port}/redirect`));
    expect(redirected).toMatchObject({ param: null, code: 'outbound_url_refused', message: expect.stringContaining('169.254.169.254 is in 169.254.0.0/16') });
    expect(seen.at(-1)).toBe(`127.0.0.1:${port} /redirect`);
    // A redirect to a name is checked with the name's rules (here the deny list names it).
    const byName = guardOf({ deny: ['metadata.internal'] }, resolverOf({ 'metadata.internal': ['127.0.0.1'] }));
    expect((await refusalOf(byName.fetch(`http://127.0.0.1:${port}/redirect-by-name`))).message).toBe("refused: the host metadata.internal matches 'metadata.internal' of server.outbound.deny");
    const denied = guardOf({ deny: ['127.0.0.1'] });
    expect((await refusalOf(denied.fetchFor('image_url')(`http://127.0.0.1:${port}/hello`))).param).toBe('image_url');
    await Promise.all([guard.close(), byName.close(), denied.close()]);
  });

  it('answers requests with a text body as fetch does: status, headers, body, streams, redirects, failures', async () => {
    const guard = guardOf({}, resolverOf({ 'service.test': ['127.0.0.1'] }));
    const post = (path: string, init: RequestInit = {}) => guard.fetch(`http://service.test:${port}${path}`, { method: 'POST', body: '{"jsonrpc":"2.0"}', ...init });
    const echoed = await post('/echo', { headers: { 'content-type': 'application/json', 'mcp-session-id': 's1' } });
    expect(echoed.status).toBe(201);
    expect(echoed.ok).toBe(true);
    expect(echoed.headers.get('set-cookie')).toBe('a=1, b=2');
    const copy = echoed.clone();
    expect(await echoed.json()).toEqual({ method: 'POST', type: 'application/json', session: 's1', body: '{"jsonrpc":"2.0"}' });
    // Read once, as fetch's answers are; the copy made before is read on its own, as a stream too.
    expect(echoed.bodyUsed).toBe(true);
    await expect(echoed.text()).rejects.toThrow(TypeError);
    expect(JSON.parse(new TextDecoder().decode((await copy.body!.getReader().read()).value))).toMatchObject({ session: 's1' });
    expect(copy.bodyUsed).toBe(true);
    expect(await (await post('/echo')).json()).toMatchObject({ type: 'text/plain;charset=UTF-8' });
    // A redirect is followed, the body sent again (307 keeps the method).
    const moved = await post('/moved');
    expect(await moved.json()).toMatchObject({ method: 'POST', body: '{"jsonrpc":"2.0"}' });
    expect(seen.slice(-2)).toEqual([`service.test:${port} /moved`, `service.test:${port} /echo`]);
    const events = await post('/events');
    expect(events.body).toBeInstanceOf(ReadableStream);
    expect(await events.text()).toBe('data: one\n\ndata: two\n\n');
    const aborted = new AbortController();
    aborted.abort(new Error('stopped'));
    await expect(post('/echo', { signal: aborted.signal })).rejects.toThrow('stopped');
    const refused = (await guard.fetch('http://127.0.0.1:1/', { method: 'POST', body: 'x' }).then(
      () => null,
      (error: unknown) => error,
    )) as Error & { cause?: { code?: string } };
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused.cause?.code).toBe('ECONNREFUSED');
    const denied = guardOf({ deny: ['127.0.0.1'] });
    expect((await refusalOf(denied.fetchFor('tools[0].server_url')(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'x' }))).param).toBe('tools[0].server_url');
    await Promise.all([guard.close(), denied.close()]);
  });

  it('leaves other connection failures to fetch', async () => {
    const guard = guardOf({}, resolverOf({}));
    const failure = (await guard.fetch('http://nowhere.test/').then(
      () => null,
      (error: unknown) => error,
    )) as Error & { cause?: { code?: string } };
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure.cause?.code).toBe('ENOTFOUND');
    await guard.close();
  });
});
