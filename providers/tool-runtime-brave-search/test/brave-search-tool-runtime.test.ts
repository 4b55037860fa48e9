import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolDef } from '@cria/api';
import { createTestProvider, describeToolRuntimeContract, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import braveSearch from '../src/index.js';
import { braveSearchContent } from '../src/brave-search-results.js';
import { type BraveStandIn, braveSearchReply, startBraveStandIn, unusedUrl } from './brave-search-stand-in.js';

const PROVIDER_ID = 'brave-search';

function distribution(config: Record<string, unknown>): Record<string, unknown> {
  return { apis: ['tool_runtime'], providers: { tool_runtime: [{ provider_id: PROVIDER_ID, provider_type: 'remote::brave-search', config }] } };
}

function client(server: TestServer, providerData?: Record<string, unknown>): LlamaStackClient {
  return new LlamaStackClient({ baseURL: server.url, maxRetries: 0, timeout: 10_000, ...(providerData ? { defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify(providerData) } } : {}) });
}

/** The status and error envelope of a failed call. */
async function failure(call: Promise<unknown>): Promise<{ status: number; error: { message: string; type: string; param: string | null; code: string | null } }> {
  const error = (await call.then(
    () => expect.fail('the call succeeded'),
    (error: unknown) => error,
  )) as { status: number; error: { error: { message: string; type: string; param: string | null; code: string | null } } };
  return { status: error.status, error: error.error.error };
}

const webSearch = { tool_name: 'web_search', kwargs: { query: 'llamas' } };

describeToolRuntimeContract('remote::brave-search', async () => {
  const standIn = await startBraveStandIn();
  const temp = temporaryDirectory();
  const provider = await createTestProvider(braveSearch, { api_key: 'contract-key', base_url: standIn.url }, { dataDir: temp.dir });
  return {
    provider: provider.impl,
    source: { toolGroup: null, mcpEndpoint: null },
    invocation: { toolName: 'web_search', kwargs: { query: 'contract' } },
    close: async () => {
      await provider.close();
      await standIn.close();
      temp.remove();
    },
  };
});

describe('tool_runtime with remote::brave-search, through llama-stack-client', () => {
  let standIn: BraveStandIn;
  let server: TestServer;

  beforeAll(async () => {
    standIn = await startBraveStandIn();
    server = await startTestServer({ distribution: distribution({ api_key: 'config-key', max_results: 2, base_url: standIn.url, timeout_seconds: 0.5 }) });
  });
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
  });
  beforeEach(() => {
    standIn.reply = { kind: 'search' };
  });

  it('registers builtin::websearch with its web_search tool', async () => {
    const groups = await client(server).toolgroups.list();
    expect(groups).toContainEqual({ identifier: 'builtin::websearch', provider_resource_id: 'builtin::websearch', provider_id: PROVIDER_ID, type: 'tool_group', mcp_endpoint: null, args: null });
    const tools = (await client(server).tools.list({ toolgroup_id: 'builtin::websearch' })) as unknown as ToolDef[];
    expect(tools).toEqual([
      {
        toolgroup_id: 'builtin::websearch',
        name: 'web_search',
        description: 'Search the web for information',
        input_schema: { type: 'object', properties: { query: { type: 'string', description: 'The query to search for' } }, required: ['query'] },
      },
    ]);
  });

  it('searches with the config\'s key and answers the cleaned results, max_results of them', async () => {
    const result = await client(server).toolRuntime.invokeTool(webSearch);
    expect(result).toEqual({ content: braveSearchContent(braveSearchReply('llamas'), 2), error_message: null, error_code: null, metadata: null });
    expect((result.content as string).split('\n')).toHaveLength(2);
    expect(JSON.parse((result.content as string).split('\n')[0]!)).toMatchObject({ title: 'Result 0 for llamas', url: 'https://example.com/0' });
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/res/v1/web/search');
    expect([...request.url.searchParams]).toEqual([['q', 'llamas']]);
    expect(request.headers).toMatchObject({ 'x-subscription-token': 'config-key', accept: 'application/json' });
    // The config's key comes first, as in Llama Stack.
    await client(server, { brave_search_api_key: 'header-key' }).toolRuntime.invokeTool(webSearch);
    expect(standIn.requests.at(-1)!.headers['x-subscription-token']).toBe('config-key');
  });

  it('refuses a call without a query (400) and an unknown tool (404)', async () => {
    expect(await failure(client(server).toolRuntime.invokeTool({ tool_name: 'web_search', kwargs: {} }))).toMatchObject({ status: 400, error: { param: 'kwargs.query' } });
    expect(await failure(client(server).toolRuntime.invokeTool({ tool_name: 'no_such_tool', kwargs: { query: 'x' } }))).toMatchObject({ status: 404, error: { code: 'tool_not_found' } });
  });

  it('answers Brave\'s failures as errors that name it', async () => {
    standIn.reply = { kind: 'error', status: 500, code: 'INTERNAL_ERROR', detail: 'Something broke.' };
    const broken = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(broken.status).toBe(502);
    expect(broken.error.message).toContain('Brave Search failed: Something broke.');
    standIn.reply = { kind: 'error', status: 429, code: 'RATE_LIMITED', detail: 'Request rate limit exceeded for plan.' };
    expect(await failure(client(server).toolRuntime.invokeTool(webSearch))).toMatchObject({ status: 429, error: { type: 'rate_limit_error' } });
    standIn.reply = { kind: 'error', status: 401, code: 'UNAUTHORIZED', detail: 'Unauthorized.' };
    const refused = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(refused.status).toBe(401);
    expect(refused.error.message).toContain('Brave Search refused the API key (HTTP 401)');
    // Brave answers an invalid token with 422 and a SUBSCRIPTION_TOKEN_INVALID code.
    standIn.reply = { kind: 'error', status: 422, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.' };
    expect(await failure(client(server).toolRuntime.invokeTool(webSearch))).toMatchObject({ status: 401, error: { type: 'authentication_error' } });
  });

  it('gives up on a Brave that does not answer after timeout_seconds (504)', async () => {
    standIn.reply = { kind: 'hang' };
    const started = Date.now();
    const timedOut = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(timedOut.status).toBe(504);
    expect(timedOut.error.message).toContain('Brave Search did not answer');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('remote::brave-search without a configured key', () => {
  let standIn: BraveStandIn;
  let server: TestServer;

  beforeAll(async () => {
    standIn = await startBraveStandIn();
    // As the starter writes it: an unset variable makes an empty key.
    server = await startTestServer({ distribution: distribution({ api_key: '${env.CRIA_TEST_UNSET_BRAVE_SEARCH_API_KEY:=}', base_url: standIn.url }) });
  });
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
  });

  it('still serves builtin::websearch and lists its tool', async () => {
    expect((await client(server).toolgroups.list()).map((group) => [group.identifier, group.provider_id])).toContainEqual(['builtin::websearch', PROVIDER_ID]);
    expect(((await client(server).tools.list({ toolgroup_id: 'builtin::websearch' })) as unknown as ToolDef[]).map((tool) => tool.name)).toEqual(['web_search']);
  });

  it('asks for brave_search_api_key in X-LlamaStack-Provider-Data (400)', async () => {
    const missing = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(missing).toMatchObject({ status: 400, error: { type: 'invalid_request_error', code: 'missing_provider_api_key' } });
    expect(missing.error.message).toContain('X-LlamaStack-Provider-Data as {"brave_search_api_key": "<your api key>"}');
    expect(standIn.requests).toHaveLength(0);
  });

  it('searches with the key of the provider-data header', async () => {
    const result = await client(server, { brave_search_api_key: 'header-key' }).toolRuntime.invokeTool(webSearch);
    expect(result.content).toBe(braveSearchContent(braveSearchReply('llamas'), 3));
    expect(standIn.requests.at(-1)!.headers['x-subscription-token']).toBe('header-key');
  });
});

describe('remote::brave-search with Brave unreachable', () => {
  it('answers 503 naming Brave Search', async () => {
    const server = await startTestServer({ distribution: distribution({ api_key: 'config-key', base_url: await unusedUrl('/res/v1/web/search') }) });
    try {
      const down = await failure(client(server).toolRuntime.invokeTool(webSearch));
      expect(down.status).toBe(503);
      expect(down.error.message).toContain('Could not connect to Brave Search');
    } finally {
      await server.close();
    }
  });
});
