import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyProviderSpec, ToolDef } from '@cria/api';
import { createTestProvider } from './provider-harness.js';
import { startTestServer, temporaryDirectory, type TestServer } from './server-harness.js';
import { describeToolRuntimeContract } from './tool-runtime-contract.js';

/** A URL on 127.0.0.1 where nothing listens (a port that was just freed). */
export async function unusedUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

/** A search, or an error status with the vendor's error body (made of `VendorError`). */
export type WebSearchAnswer<VendorError> = { kind: 'search' } | ({ kind: 'error'; status: number } & VendorError);

/** What a stand-in answers next: a search, an error, or nothing at all. */
export type WebSearchReply<VendorError> = WebSearchAnswer<VendorError> | { kind: 'hang' };

/** A local stand-in for a vendor's search endpoint, recording what it is sent. */
export interface WebSearchStandIn<Request, VendorError> {
  /** The search endpoint (`http://127.0.0.1:<port><path>`). */
  url: string;
  requests: Request[];
  reply: WebSearchReply<VendorError>;
  close(): Promise<void>;
}

/** A request to a stand-in, for the vendor's part to answer. */
export interface WebSearchExchange<Request, VendorError> {
  request: IncomingMessage;
  /** What the stand-in recorded of it. */
  recorded: Request;
  /** The request's URL, resolved on the stand-in's origin. */
  url: URL;
  /** The reply asked for (never `hang`: the stand-in leaves those requests unanswered). */
  reply: WebSearchAnswer<VendorError>;
  /** Answers with a JSON body. */
  send(status: number, body: unknown): void;
}

/** The vendor's part of a stand-in. */
export interface WebSearchStandInOptions<Request, VendorError> {
  /** The search endpoint's path, e.g. `/search`. */
  path: string;
  /** What the stand-in records of a request (its body read as text). */
  record(request: IncomingMessage, url: URL, body: string): Request;
  /** Answers a request in the vendor's documented shape. */
  answer(exchange: WebSearchExchange<Request, VendorError>): void;
}

/** Starts a stand-in for a web search vendor on 127.0.0.1; it answers searches until told otherwise (`reply`). */
export async function startWebSearchStandIn<Request, VendorError>(options: WebSearchStandInOptions<Request, VendorError>): Promise<WebSearchStandIn<Request, VendorError>> {
  const requests: Request[] = [];
  const standIn = { reply: { kind: 'search' } as WebSearchReply<VendorError> };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const recorded = options.record(request, url, Buffer.concat(chunks).toString());
    requests.push(recorded);
    const reply = standIn.reply;
    if (reply.kind === 'hang') return;
    const send = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    options.answer({ request, recorded, url, reply, send });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}${options.path}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A llama-stack-client on a test server, sending `providerData` as X-LlamaStack-Provider-Data. */
export function webSearchClient(server: TestServer, providerData?: Record<string, unknown>): LlamaStackClient {
  return new LlamaStackClient({ baseURL: server.url, maxRetries: 0, timeout: 10_000, ...(providerData ? { defaultHeaders: { 'X-LlamaStack-Provider-Data': JSON.stringify(providerData) } } : {}) });
}

/** The error envelope of a failed call. */
export interface CallFailure {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The status and error envelope of a call of the client that must fail. */
export async function callFailure(call: Promise<unknown>): Promise<CallFailure> {
  const error = (await call.then(
    () => expect.fail('the call succeeded'),
    (error: unknown) => error,
  )) as { status: number; error: { error: CallFailure['error'] } };
  return { status: error.status, error: error.error.error };
}

/** What differs between web search providers, for `describeWebSearchProvider`. */
export interface WebSearchProviderSuite<Request, VendorError> {
  /** The provider package's definition (its default export). */
  provider: AnyProviderSpec & { api: 'tool_runtime' };
  /** The provider id the distributions give it, e.g. `tavily-search`. */
  providerId: string;
  /** The vendor's name as errors give it, e.g. `Tavily Search`. */
  vendor: string;
  /** The X-LlamaStack-Provider-Data field of a request's key, e.g. `tavily_search_api_key`. */
  providerDataKey: string;
  /** The path of the vendor's search endpoint (a stand-in's, and that of an unreachable one). */
  path: string;
  startStandIn(): Promise<WebSearchStandIn<Request, VendorError>>;
  /** The key a request to the stand-in carried. */
  sentKey(request: Request): unknown;
  /** Checks a search for `llamas`: its result text, the request it made, with the config's `max_results` and the key it searched with. */
  expectSearch(search: { content: string; request: Request; maxResults: number; apiKey: string }): void;
  /** Failures of the vendor and what the call answers for each: its status, and the error's type and a part of its message when given. */
  failures: { reply: { status: number } & VendorError; status: number; type?: string; message?: string }[];
}

/**
 * The e2e suite of a `builtin::websearch` provider on its vendor's stand-in, through
 * llama-stack-client: the tool runtime contract, the tool group and its tool, searching with the
 * config's key (before a provider-data one) or, when the config has none, the provider data's,
 * bad calls, and the vendor's failures, silence and absence as errors that name it.
 */
export function describeWebSearchProvider<Request, VendorError>(suite: WebSearchProviderSuite<Request, VendorError>): void {
  const { provider, providerId, vendor, providerDataKey } = suite;
  const providerType = provider.providerType;
  const distribution = (config: Record<string, unknown>) => ({ apis: ['tool_runtime'], providers: { tool_runtime: [{ provider_id: providerId, provider_type: providerType, config }] } });
  const client = webSearchClient;
  const webSearch = { tool_name: 'web_search', kwargs: { query: 'llamas' } };

  describeToolRuntimeContract(providerType, async () => {
    const standIn = await suite.startStandIn();
    const temp = temporaryDirectory();
    const tested = await createTestProvider(provider, { api_key: 'contract-key', base_url: standIn.url }, { dataDir: temp.dir });
    return {
      provider: tested.impl,
      source: { toolGroup: null, mcpEndpoint: null },
      invocation: { toolName: 'web_search', kwargs: { query: 'contract' } },
      close: async () => {
        await tested.close();
        await standIn.close();
        temp.remove();
      },
    };
  });

  describe(`tool_runtime with ${providerType}, through llama-stack-client`, () => {
    let standIn: WebSearchStandIn<Request, VendorError>;
    let server: TestServer;

    beforeAll(async () => {
      standIn = await suite.startStandIn();
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
      expect(groups).toContainEqual({ identifier: 'builtin::websearch', provider_resource_id: 'builtin::websearch', provider_id: providerId, type: 'tool_group', mcp_endpoint: null, args: null });
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

    it(`searches with the config's key and answers max_results results in ${vendor}'s shape`, async () => {
      const result = await client(server).toolRuntime.invokeTool(webSearch);
      expect(result).toEqual({ content: expect.any(String), error_message: null, error_code: null, metadata: null });
      suite.expectSearch({ content: result.content as string, request: standIn.requests.at(-1)!, maxResults: 2, apiKey: 'config-key' });
      // The config's key comes first, as in Llama Stack.
      await client(server, { [providerDataKey]: 'header-key' }).toolRuntime.invokeTool(webSearch);
      expect(suite.sentKey(standIn.requests.at(-1)!)).toBe('config-key');
    });

    it('refuses a call without a query (400) and an unknown tool (404)', async () => {
      for (const kwargs of [{}, { query: 3 }, { query: '  ' }]) {
        expect(await callFailure(client(server).toolRuntime.invokeTool({ tool_name: 'web_search', kwargs }))).toMatchObject({ status: 400, error: { param: 'kwargs.query' } });
      }
      expect(await callFailure(client(server).toolRuntime.invokeTool({ tool_name: 'no_such_tool', kwargs: { query: 'x' } }))).toMatchObject({ status: 404, error: { code: 'tool_not_found' } });
    });

    it(`answers ${vendor}'s failures as errors that name it`, async () => {
      for (const failure of suite.failures) {
        standIn.reply = { kind: 'error', ...failure.reply };
        const failed = await callFailure(client(server).toolRuntime.invokeTool(webSearch));
        expect(failed.status, `${vendor} answering ${failure.reply.status}`).toBe(failure.status);
        if (failure.type) expect(failed.error.type).toBe(failure.type);
        if (failure.message) expect(failed.error.message).toContain(failure.message);
      }
    });

    it(`gives up on a ${vendor} that does not answer after timeout_seconds (504)`, async () => {
      standIn.reply = { kind: 'hang' };
      const started = Date.now();
      const timedOut = await callFailure(client(server).toolRuntime.invokeTool(webSearch));
      expect(timedOut.status).toBe(504);
      expect(timedOut.error.message).toContain(`${vendor} did not answer`);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe(`${providerType} without a configured key`, () => {
    let standIn: WebSearchStandIn<Request, VendorError>;
    let server: TestServer;

    beforeAll(async () => {
      standIn = await suite.startStandIn();
      // As the starter writes it: an unset variable makes an empty key.
      server = await startTestServer({ distribution: distribution({ api_key: `\${env.CRIA_TEST_UNSET_${providerDataKey.toUpperCase()}:=}`, base_url: standIn.url }) });
    });
    afterAll(async () => {
      await server?.close();
      await standIn?.close();
    });

    it('still serves builtin::websearch and lists its tool', async () => {
      expect((await client(server).toolgroups.list()).map((group) => [group.identifier, group.provider_id])).toContainEqual(['builtin::websearch', providerId]);
      expect(((await client(server).tools.list({ toolgroup_id: 'builtin::websearch' })) as unknown as ToolDef[]).map((tool) => tool.name)).toEqual(['web_search']);
    });

    it(`asks for ${providerDataKey} in X-LlamaStack-Provider-Data (400)`, async () => {
      const missing = await callFailure(client(server).toolRuntime.invokeTool(webSearch));
      expect(missing).toMatchObject({ status: 400, error: { type: 'invalid_request_error', code: 'missing_provider_api_key' } });
      expect(missing.error.message).toContain(`X-LlamaStack-Provider-Data as {"${providerDataKey}": "<your api key>"}`);
      expect(standIn.requests).toHaveLength(0);
    });

    it('searches with the key of the provider-data header', async () => {
      const result = await client(server, { [providerDataKey]: 'header-key' }).toolRuntime.invokeTool(webSearch);
      suite.expectSearch({ content: result.content as string, request: standIn.requests.at(-1)!, maxResults: 3, apiKey: 'header-key' });
      expect(suite.sentKey(standIn.requests.at(-1)!)).toBe('header-key');
    });
  });

  describe(`${providerType} with ${vendor} unreachable`, () => {
    it(`answers 503 naming ${vendor}`, async () => {
      const server = await startTestServer({ distribution: distribution({ api_key: 'config-key', base_url: await unusedUrl(suite.path) }) });
      try {
        const down = await callFailure(client(server).toolRuntime.invokeTool(webSearch));
        expect(down.status).toBe(503);
        expect(down.error.message).toContain(`Could not connect to ${vendor}`);
      } finally {
        await server.close();
      }
    });
  });
}
