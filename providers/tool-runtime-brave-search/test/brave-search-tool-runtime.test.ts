import { expect } from 'vitest';
import { describeWebSearchProvider } from '@cria/testing/web-search';
import braveSearch from '../src/index.js';
import { braveSearchContent } from '../src/brave-search-results.js';
import { braveSearchReply, startBraveStandIn } from './brave-search-stand-in.js';

describeWebSearchProvider({
  provider: braveSearch,
  providerId: 'brave-search',
  vendor: 'Brave Search',
  providerDataKey: 'brave_search_api_key',
  path: '/res/v1/web/search',
  startStandIn: startBraveStandIn,
  sentKey: (request) => request.headers['x-subscription-token'],
  expectSearch: ({ content, request, maxResults, apiKey }) => {
    expect(content).toBe(braveSearchContent(braveSearchReply('llamas'), maxResults));
    expect(content.split('\n')).toHaveLength(maxResults);
    expect(JSON.parse(content.split('\n')[0]!)).toMatchObject({ title: 'Result 0 for llamas', url: 'https://example.com/0' });
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/res/v1/web/search');
    expect([...request.url.searchParams]).toEqual([['q', 'llamas']]);
    expect(request.headers).toMatchObject({ 'x-subscription-token': apiKey, accept: 'application/json' });
  },
  failures: [
    { reply: { status: 500, code: 'INTERNAL_ERROR', detail: 'Something broke.' }, status: 502, message: 'Brave Search failed: Something broke.' },
    { reply: { status: 429, code: 'RATE_LIMITED', detail: 'Request rate limit exceeded for plan.' }, status: 429, type: 'rate_limit_error' },
    { reply: { status: 401, code: 'UNAUTHORIZED', detail: 'Unauthorized.' }, status: 401, message: 'Brave Search refused the API key (HTTP 401)' },
    // Brave answers an invalid token with 422 and a SUBSCRIPTION_TOKEN_INVALID code.
    { reply: { status: 422, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.' }, status: 401, type: 'authentication_error' },
  ],
});
