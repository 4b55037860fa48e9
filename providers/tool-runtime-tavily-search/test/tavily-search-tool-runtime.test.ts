import { describe, expect, it } from 'vitest';
import { startTestServer } from '@cria/testing';
import { callFailure, describeWebSearchProvider, webSearchClient } from '@cria/testing/web-search';
import tavilySearch from '../src/index.js';
import { startTavilyStandIn, type TavilyStandIn, tavilyResult } from './tavily-search-stand-in.js';

const PROVIDER_ID = 'tavily-search';

const webSearch = { tool_name: 'web_search', kwargs: { query: 'llamas' } };

describeWebSearchProvider({
  provider: tavilySearch,
  providerId: PROVIDER_ID,
  vendor: 'Tavily Search',
  providerDataKey: 'tavily_search_api_key',
  path: '/search',
  startStandIn: startTavilyStandIn,
  sentKey: (request) => request.body.api_key,
  expectSearch: ({ content, request, maxResults, apiKey }) => {
    expect(JSON.parse(content)).toEqual({ query: 'llamas', top_k: Array.from({ length: maxResults }, (_, n) => tavilyResult('llamas', n)) });
    expect(request).toMatchObject({ method: 'POST', path: '/search' });
    expect(request.body).toEqual({ api_key: apiKey, query: 'llamas', max_results: maxResults });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });
  },
  failures: [
    { reply: { status: 500, error: 'Internal Server Error' }, status: 502, message: 'Tavily Search failed: Internal Server Error' },
    { reply: { status: 432, error: 'This request exceeds your plan\'s set usage limit.' }, status: 502, message: 'answered 432' },
    { reply: { status: 401, error: 'Unauthorized: missing or invalid API key.' }, status: 401, type: 'authentication_error', message: 'Tavily Search refused the API key (HTTP 401): Unauthorized: missing or invalid API key.' },
  ],
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
      const websearch = (await webSearchClient(server).toolgroups.list()).filter((group) => group.identifier === 'builtin::websearch');
      expect(websearch.map((group) => group.provider_id)).toEqual([PROVIDER_ID]);
      const result = await webSearchClient(server).toolRuntime.invokeTool(webSearch);
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
      expect((await webSearchClient(server).toolgroups.list()).find((group) => group.identifier === 'builtin::websearch')?.provider_id).toBe('brave-search');
      const missing = await callFailure(webSearchClient(server).toolRuntime.invokeTool(webSearch));
      expect(missing.error.message).toContain('brave_search_api_key');
    } finally {
      await server.close();
      await standIn.close();
    }
  });
});
