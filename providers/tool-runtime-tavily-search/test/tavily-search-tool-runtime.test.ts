import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolDef } from '@cria/api';
import { createTestProvider, describeToolRuntimeContract, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import tavilySearch from '../src/index.js';
import { startTavilyStandIn, type TavilyStandIn, tavilyResult, unusedUrl } from './tavily-search-stand-in.js';

const PROVIDER_ID = 'tavily-search';

function distribution(config: Record<string, unknown>): Record<string, unknown> {
  return { apis: ['tool_runtime'], providers: { tool_runtime: [{ provider_id: PROVIDER_ID, provider_type: 'remote::tavily-search', config }] } };
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

describeToolRuntimeContract('remote::tavily-search', async () => {
  const standIn = await startTavilyStandIn();
  const temp = temporaryDirectory();
  const provider = await createTestProvider(tavilySearch, { api_key: 'contract-key', base_url: standIn.url }, { dataDir: temp.dir });
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

describe('tool_runtime with remote::tavily-search, through llama-stack-client', () => {
  let standIn: TavilyStandIn;
  let server: TestServer;

  beforeAll(async () => {
    standIn = await startTavilyStandIn();
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

  it('searches with the config\'s key and answers {query, top_k}, max_results of them', async () => {
    const result = await client(server).toolRuntime.invokeTool(webSearch);
    expect(result).toEqual({ content: expect.any(String), error_message: null, error_code: null, metadata: null });
    expect(JSON.parse(result.content as string)).toEqual({ query: 'llamas', top_k: [tavilyResult('llamas', 0), tavilyResult('llamas', 1)] });
    const request = standIn.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/search', body: { api_key: 'config-key', query: 'llamas', max_results: 2 } });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer config-key' });
    // The config's key comes first, as in Llama Stack.
    await client(server, { tavily_search_api_key: 'header-key' }).toolRuntime.invokeTool(webSearch);
    expect(standIn.requests.at(-1)!.body.api_key).toBe('config-key');
  });

  it('refuses a call without a query (400) and an unknown tool (404)', async () => {
    expect(await failure(client(server).toolRuntime.invokeTool({ tool_name: 'web_search', kwargs: { query: 3 } }))).toMatchObject({ status: 400, error: { param: 'kwargs.query' } });
    expect(await failure(client(server).toolRuntime.invokeTool({ tool_name: 'no_such_tool', kwargs: { query: 'x' } }))).toMatchObject({ status: 404, error: { code: 'tool_not_found' } });
  });

  it('answers Tavily\'s failures as errors that name it', async () => {
    standIn.reply = { kind: 'error', status: 500, error: 'Internal Server Error' };
    const broken = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(broken.status).toBe(502);
    expect(broken.error.message).toContain('Tavily Search failed: Internal Server Error');
    standIn.reply = { kind: 'error', status: 432, error: 'This request exceeds your plan\'s set usage limit.' };
    const overLimit = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(overLimit.status).toBe(502);
    expect(overLimit.error.message).toContain('answered 432');
    standIn.reply = { kind: 'error', status: 401, error: 'Unauthorized: missing or invalid API key.' };
    const refused = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(refused).toMatchObject({ status: 401, error: { type: 'authentication_error' } });
    expect(refused.error.message).toContain('Tavily Search refused the API key (HTTP 401): Unauthorized: missing or invalid API key.');
  });

  it('gives up on a Tavily that does not answer after timeout_seconds (504)', async () => {
    standIn.reply = { kind: 'hang' };
    const started = Date.now();
    const timedOut = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(timedOut.status).toBe(504);
    expect(timedOut.error.message).toContain('Tavily Search did not answer');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('remote::tavily-search without a configured key', () => {
  let standIn: TavilyStandIn;
  let server: TestServer;

  beforeAll(async () => {
    standIn = await startTavilyStandIn();
    // As the starter writes it: an unset variable makes an empty key.
    server = await startTestServer({ distribution: distribution({ api_key: '${env.CRIA_TEST_UNSET_TAVILY_SEARCH_API_KEY:=}', base_url: standIn.url }) });
  });
  afterAll(async () => {
    await server?.close();
    await standIn?.close();
  });

  it('asks for tavily_search_api_key in X-LlamaStack-Provider-Data (400)', async () => {
    const missing = await failure(client(server).toolRuntime.invokeTool(webSearch));
    expect(missing).toMatchObject({ status: 400, error: { type: 'invalid_request_error', code: 'missing_provider_api_key' } });
    expect(missing.error.message).toContain('X-LlamaStack-Provider-Data as {"tavily_search_api_key": "<your api key>"}');
    expect(standIn.requests).toHaveLength(0);
  });

  it('searches with the key of the provider-data header', async () => {
    const result = await client(server, { tavily_search_api_key: 'header-key' }).toolRuntime.invokeTool(webSearch);
    expect(JSON.parse(result.content as string).top_k).toHaveLength(3);
    expect(standIn.requests.at(-1)!.body).toEqual({ api_key: 'header-key', query: 'llamas', max_results: 3 });
  });
});

describe('remote::tavily-search with Tavily unreachable', () => {
  it('answers 503 naming Tavily Search', async () => {
    const server = await startTestServer({ distribution: distribution({ api_key: 'config-key', base_url: await unusedUrl('/search') }) });
    try {
      const down = await failure(client(server).toolRuntime.invokeTool(webSearch));
      expect(down.status).toBe(503);
      expect(down.error.message).toContain('Could not connect to Tavily Search');
    } finally {
      await server.close();
    }
  });
});

describe('builtin::websearch with remote::brave-search and remote::tavily-search both enabled', () => {
  /** Both providers, brave first; only the keys given are configured. */
  function both(standIn: TavilyStandIn, keys: { brave?: string; tavily?: string }): Record<string, unknown> {
    return {
      apis: ['tool_runtime'],
      providers: {
        tool_runtime: [
          { provider_id: 'brave-search', provider_type: 'remote::brave-search', config: { api_key: keys.brave ?? '', base_url: 'http://127.0.0.1:9/res/v1/web/search', max_results: 3 } },
          { provider_id: PROVIDER_ID, provider_type: 'remote::tavily-search', config: { api_key: keys.tavily ?? '', base_url: standIn.url, max_results: 3 } },
        ],
      },
    };
  }

  it('is served by the provider that has a key (tavily), though brave is listed first', async () => {
    const standIn = await startTavilyStandIn();
    const server = await startTestServer({ distribution: both(standIn, { tavily: 'tavily-key' }) });
    try {
      const websearch = (await client(server).toolgroups.list()).filter((group) => group.identifier === 'builtin::websearch');
      expect(websearch.map((group) => group.provider_id)).toEqual([PROVIDER_ID]);
      const result = await client(server).toolRuntime.invokeTool(webSearch);
      expect(JSON.parse(result.content as string)).toMatchObject({ query: 'llamas', top_k: [tavilyResult('llamas', 0), tavilyResult('llamas', 1), tavilyResult('llamas', 2)] });
      expect(standIn.requests.at(-1)!.body.api_key).toBe('tavily-key');
    } finally {
      await server.close();
      await standIn.close();
    }
  });

  it('is served by the first listed provider (brave) when neither has a key', async () => {
    const standIn = await startTavilyStandIn();
    const server = await startTestServer({ distribution: both(standIn, {}) });
    try {
      expect((await client(server).toolgroups.list()).find((group) => group.identifier === 'builtin::websearch')?.provider_id).toBe('brave-search');
      const missing = await failure(client(server).toolRuntime.invokeTool(webSearch));
      expect(missing.error.message).toContain('brave_search_api_key');
    } finally {
      await server.close();
      await standIn.close();
    }
  });
});
