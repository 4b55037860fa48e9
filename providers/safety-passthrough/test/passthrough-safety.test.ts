import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, type ChatMessage, ConfigError, InvalidRequestError, type ShieldResource, UnavailableError, UpstreamError, UpstreamTimeoutError } from '@cria/api';
import { createTestProvider, temporaryDirectory } from '@cria/testing';
import passthrough from '../src/index.js';
import { ModerationStandIn } from './passthrough-safety-stand-in.js';

const temp = temporaryDirectory('cria-safety-passthrough-');
let standIn: ModerationStandIn;

beforeAll(async () => {
  standIn = await ModerationStandIn.start();
});
afterAll(async () => {
  await standIn?.close();
  temp.remove();
});
beforeEach(() => {
  standIn.requests.length = 0;
  standIn.behaviour = { kind: 'openai' };
});

function shield(providerResourceId = 'omni-moderation-latest'): ShieldResource {
  return { type: 'shield', identifier: 'moderation', provider_id: 'passthrough', provider_resource_id: providerResourceId, params: {}, source: 'via_register_api', created: 0 };
}

const context = (providerData: Record<string, unknown> | null = null) => ({ signal: new AbortController().signal, providerData });

async function provider(config: Record<string, unknown> = {}) {
  return (await createTestProvider(passthrough, { base_url: standIn.url, ...config }, { dataDir: temp.dir })).impl;
}

/** The error a call fails with. */
const failure = (call: Promise<unknown>): Promise<any> => call.then(() => { throw new Error('the call succeeded'); }, (error: unknown) => error);

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'Be nice.' },
  { role: 'user', content: [{ type: 'text', text: 'I will kill the process' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
];

describe('remote::passthrough safety, OpenAI-shaped /moderations', () => {
  it('run-shield posts the texts with the shield\'s model and reports the first flagged result', async () => {
    const impl = await provider({ api_key: 'config-key' });
    const { violation } = await impl.runShield(shield(), CONVERSATION, null, context());
    expect(standIn.requests).toHaveLength(1);
    const [request] = standIn.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/moderations', body: { input: ['Be nice.', 'I will kill the process'], model: 'omni-moderation-latest' } });
    expect(request!.headers.authorization).toBe('Bearer config-key');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(violation).toEqual({
      violation_level: 'error',
      user_message: 'Content was flagged by the safety service.',
      metadata: { violation_type: 'harassment/threatening', categories: ['harassment/threatening', 'violence'] },
    });
  });

  it('run-shield sends one text as a string, passes clean content, and sends nothing without text', async () => {
    const impl = await provider();
    expect(await impl.runShield(shield(), [{ role: 'user', content: 'Hello there' }], null, context())).toEqual({ violation: null });
    expect(standIn.requests[0]!.body).toEqual({ input: 'Hello there', model: 'omni-moderation-latest' });
    expect(standIn.requests[0]!.headers.authorization).toBeUndefined();
    expect(await impl.runShield(shield(), [{ role: 'assistant', content: null }], null, context())).toEqual({ violation: null });
    expect(standIn.requests).toHaveLength(1);
  });

  it('moderations: strings go as OpenAI\'s input, one result each, with the downstream\'s categories and scores', async () => {
    const impl = await provider();
    const results = await impl.runModeration(shield('text-moderation-stable'), [{ text: 'kill it', imageUrls: [] }, { text: 'fine', imageUrls: [] }], context());
    expect(standIn.requests[0]!.body).toEqual({ input: ['kill it', 'fine'], model: 'text-moderation-stable' });
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({
      flagged: true,
      categories: { violence: true, 'harassment/threatening': true, hate: false },
      category_scores: { violence: 0.91, hate: 0.0001 },
      category_applied_input_types: { violence: ['text'] },
      user_message: 'Content was flagged by the safety service.',
      metadata: { violation_type: 'harassment/threatening,violence' },
    });
    expect(results[1]).toMatchObject({ flagged: false, categories: { violence: false }, user_message: null, metadata: {} });
  });

  it('moderations: a multimodal input goes as content parts', async () => {
    const impl = await provider();
    const [result] = await impl.runModeration(shield(), [{ text: 'kill', imageUrls: ['https://example.com/a.png'] }], context());
    expect(standIn.requests[0]!.body.input).toEqual([{ type: 'text', text: 'kill' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }]);
    expect(result!.category_applied_input_types.violence).toEqual(['text', 'image']);
  });

  it('the config key wins over the request\'s passthrough_api_key, which is used when the config has none', async () => {
    const withKey = await provider({ api_key: 'config-key' });
    await withKey.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context({ passthrough_api_key: 'request-key' }));
    const withoutKey = await provider({ api_key: null });
    await withoutKey.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context({ passthrough_api_key: 'request-key' }));
    expect(standIn.requests.map((request) => request.headers.authorization)).toEqual(['Bearer config-key', 'Bearer request-key']);
  });

  it('forward_headers sends only the listed provider-data keys, cleaned; the key\'s Authorization replaces a forwarded one', async () => {
    const impl = await provider({ forward_headers: { tenant: 'X-Tenant-Id', maas_api_token: 'Authorization', big: 'X-Big' } });
    await impl.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context({ tenant: 'acme\r\nX-Evil: 1', maas_api_token: 'Bearer maas-token', other: 'not forwarded', big: 'x'.repeat(9000) }));
    const headers = standIn.requests[0]!.headers;
    expect(headers['x-tenant-id']).toBe('acmeX-Evil: 1');
    expect(headers['x-evil']).toBeUndefined();
    expect(headers.authorization).toBe('Bearer maas-token');
    expect(headers.other).toBeUndefined();
    expect(headers['x-big']).toBeUndefined();
    const keyed = await provider({ api_key: 'config-key', forward_headers: { maas_api_token: 'authorization' } });
    await keyed.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context({ maas_api_token: 'Bearer maas-token' }));
    expect(standIn.requests[1]!.headers.authorization).toBe('Bearer config-key');
  });

  it('refuses __ keys, blocked and extra-blocked headers, and bad header names at config time, naming the key', async () => {
    const refused = async (config: Record<string, unknown>, pattern: RegExp) => {
      const error = await failure(provider(config));
      expect(ConfigError.is(error), String(error)).toBe(true);
      expect(error.message).toMatch(pattern);
    };
    await refused({ forward_headers: { __internal: 'X-Internal' } }, /forward_headers\.__internal: .*reserved __ prefix/);
    for (const header of ['Host', 'Content-Type', 'content-length', 'Transfer-Encoding', 'Cookie', 'Connection', 'X-Forwarded-For']) {
      await refused({ forward_headers: { token: header } }, new RegExp(`forward_headers\\.token: the header '${header}' may not be forwarded`));
    }
    await refused({ forward_headers: { token: 'X-Secret' }, extra_blocked_headers: ['x-secret'] }, /forward_headers\.token: the header 'X-Secret'/);
    await refused({ forward_headers: { token: 'Bad Header' } }, /forward_headers\.token: 'Bad Header' is not a valid HTTP header name/);
    await refused({ extra_blocked_headers: [' '] }, /extra_blocked_headers\[0\] is an empty header name/);
    await refused({ base_url: 'ftp://example.com' }, /base_url/);
  });
});

describe('remote::passthrough safety, Llama API-shaped /moderations', () => {
  it('run-shield posts the conversation as Llama API messages and reads flagged_categories', async () => {
    standIn.behaviour = { kind: 'llama-api' };
    const impl = await provider({ moderations_format: 'llama-api' });
    const { violation } = await impl.runShield(shield('Llama-Guard'), CONVERSATION, null, context());
    expect(standIn.requests[0]!.body).toEqual({
      model: 'Llama-Guard',
      messages: [
        { role: 'system', content: 'Be nice.' },
        { role: 'user', content: 'I will kill the process' },
        { role: 'assistant', content: '' },
      ],
    });
    expect(violation).toEqual({ violation_level: 'error', user_message: 'Content was flagged by the safety service.', metadata: { violation_type: 'S1', categories: ['S1', 'S2'] } });
  });

  it('moderations: one request per input, each result\'s flagged categories as categories', async () => {
    standIn.behaviour = { kind: 'llama-api' };
    const impl = await provider({ moderations_format: 'llama-api' });
    const results = await impl.runModeration(shield('Llama-Guard'), [{ text: 'kill', imageUrls: [] }, { text: 'hello', imageUrls: [] }], context());
    expect(standIn.requests.map((request) => request.body).sort((a, b) => a.messages[0].content.localeCompare(b.messages[0].content))).toEqual([
      { model: 'Llama-Guard', messages: [{ role: 'user', content: 'hello' }] },
      { model: 'Llama-Guard', messages: [{ role: 'user', content: 'kill' }] },
    ]);
    expect(results).toEqual([
      { flagged: true, categories: { S1: true, S2: true }, category_scores: {}, category_applied_input_types: {}, user_message: 'Content was flagged by the safety service.', metadata: { violation_type: 'S1,S2' } },
      { flagged: false, categories: {}, category_scores: {}, category_applied_input_types: {}, user_message: null, metadata: {} },
    ]);
  });
});

describe('remote::passthrough safety, downstream failures', () => {
  const run = async (config: Record<string, unknown> = {}) => failure((await provider(config)).runShield(shield(), [{ role: 'user', content: 'hi' }], null, context()));

  it('401 is an AuthenticationError; another 4xx an InvalidRequestError naming the status; 429 stays a rate limit', async () => {
    standIn.behaviour = { kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } };
    const unauthorized = await run();
    expect(AuthenticationError.is(unauthorized)).toBe(true);
    expect(unauthorized.message).toMatch(/refused the key \(HTTP 401\): Incorrect API key provided/);
    standIn.behaviour = { kind: 'status', status: 422, body: { detail: 'model not found' } };
    const rejected = await run();
    expect(InvalidRequestError.is(rejected)).toBe(true);
    expect(rejected.message).toMatch(/rejected the request \(HTTP 422\): model not found/);
    standIn.behaviour = { kind: 'status', status: 429, body: { error: { message: 'slow down' } } };
    const limited = await run();
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429 });
  });

  it('5xx is an UpstreamError (502) with the downstream\'s message', async () => {
    standIn.behaviour = { kind: 'status', status: 500, body: { error: { message: 'the classifier crashed' } } };
    const error = await run();
    expect(UpstreamError.is(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'upstream', status: 500 });
    expect(error.message).toMatch(/failed \(HTTP 500\): the classifier crashed/);
  });

  it('malformed replies are UpstreamErrors: not JSON, no results, wrong counts, bad fields, empty results', async () => {
    const impl = await provider();
    const cases: [typeof standIn.behaviour, (call: typeof impl) => Promise<unknown>, RegExp][] = [
      [{ kind: 'raw', body: '<html>oops</html>' }, (p) => p.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context()), /not JSON/],
      [{ kind: 'json', body: [1, 2] }, (p) => p.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context()), /not an object/],
      [{ kind: 'json', body: { id: 'x' } }, (p) => p.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context()), /no 'results' list/],
      [{ kind: 'json', body: { results: [] } }, (p) => p.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context()), /no results/],
      [{ kind: 'json', body: { results: ['flagged'] } }, (p) => p.runShield(shield(), [{ role: 'user', content: 'hi' }], null, context()), /not an object/],
      [{ kind: 'json', body: { results: [{ flagged: false }] } }, (p) => p.runModeration(shield(), [{ text: 'a', imageUrls: [] }, { text: 'b', imageUrls: [] }], context()), /1 moderation results for 2 inputs/],
      [{ kind: 'json', body: { results: [{ flagged: 'yes' }] } }, (p) => p.runModeration(shield(), [{ text: 'a', imageUrls: [] }], context()), /'flagged' that is not a boolean/],
      [{ kind: 'json', body: { results: [{ flagged: true, categories: { violence: 'yes' } }] } }, (p) => p.runModeration(shield(), [{ text: 'a', imageUrls: [] }], context()), /malformed 'categories'/],
    ];
    for (const [behaviour, call, pattern] of cases) {
      standIn.behaviour = behaviour;
      const error = await failure(call(impl));
      expect(UpstreamError.is(error), `${JSON.stringify(behaviour)}: ${error}`).toBe(true);
      expect(error.message).toMatch(pattern);
    }
  });

  it('a downstream that refuses connections is an UnavailableError (503)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await run({ base_url: `http://127.0.0.1:${port}/v1` });
    expect(UnavailableError.is(error), String(error)).toBe(true);
    expect(error.message).toMatch(/Could not connect to the safety service at http:\/\/127\.0\.0\.1:\d+\/v1\/moderations: ECONNREFUSED/);
  });

  it('a downstream slower than timeout_seconds is an UpstreamTimeoutError (504); the request\'s abort stops it too', async () => {
    // The stand-in answers after 8 s; the bounds below leave a slow machine room and still tell a timeout from that.
    standIn.behaviour = { kind: 'hang', ms: 8000 };
    const started = Date.now();
    const error = await run({ timeout_seconds: 0.3 });
    expect(UpstreamTimeoutError.is(error), String(error)).toBe(true);
    expect(error.message).toMatch(/did not answer in 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(4000);
    const impl = await provider();
    const controller = new AbortController();
    const call = failure(impl.runShield(shield(), [{ role: 'user', content: 'hi' }], null, { signal: controller.signal, providerData: null }));
    setTimeout(() => controller.abort(new Error('client went away')), 100);
    const aborted = await call;
    expect(UpstreamTimeoutError.is(aborted)).toBe(false);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
