import type { IncomingHttpHeaders } from 'node:http';
import { startWebSearchStandIn, type WebSearchStandIn } from '@cria/testing/web-search';

/** A request the stand-in received. */
export interface BraveRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
}

/** What the stand-in puts in Brave's error body. */
export interface BraveError {
  code: string;
  detail: string;
}

/** The stand-in; its `url` is the web search endpoint (`http://127.0.0.1:<port>/res/v1/web/search`). */
export type BraveStandIn = WebSearchStandIn<BraveRequest, BraveError>;

/** A web search answer in the shape Brave's API documents (WebSearchApiResponse), for `query`. */
export function braveSearchReply(query: string): Record<string, unknown> {
  const webResult = (n: number) => ({
    title: `Result ${n} for ${query}`,
    url: `https://example.com/${n}`,
    is_source_local: false,
    is_source_both: false,
    description: `The <strong>${query}</strong> page ${n}.`,
    page_age: '2024-05-01T00:00:00',
    profile: { name: 'Example', url: `https://example.com/${n}`, long_name: 'example.com', img: 'https://imgs.search.brave.com/x' },
    language: 'en',
    family_friendly: true,
    type: 'search_result',
    subtype: 'generic',
    meta_url: { scheme: 'https', netloc: 'example.com', hostname: 'example.com', favicon: 'https://imgs.search.brave.com/f', path: `› ${n}` },
    age: 'May 1, 2024',
    extra_snippets: [`More about ${query} (${n}).`],
  });
  return {
    type: 'search',
    query: { original: query, show_strict_warning: false, is_navigational: false, is_news_breaking: false, spellcheck_off: true, country: 'us', bad_results: false, should_fallback: false, postal_code: '', city: '', header_country: '', more_results_available: true, state: '' },
    mixed: {
      type: 'mixed',
      main: [
        { type: 'web', index: 0, all: false },
        { type: 'faq', all: true },
        { type: 'web', index: 1, all: false },
        { type: 'news', all: true },
        { type: 'web', index: 2, all: false },
      ],
      top: [],
      side: [],
    },
    web: { type: 'search', results: [webResult(0), webResult(1), webResult(2)], family_friendly: true },
    faq: {
      type: 'faq',
      results: [{ question: `What is ${query}?`, answer: `${query} is a test.`, title: 'FAQ', url: 'https://example.com/faq', meta_url: { scheme: 'https', netloc: 'example.com', hostname: 'example.com', path: '› faq' } }],
    },
    news: {
      type: 'news',
      results: [{ title: `News on ${query}`, url: 'https://news.example.com/1', description: 'Breaking.', age: '1 hour ago', breaking: true, meta_url: { scheme: 'https', netloc: 'news.example.com', hostname: 'news.example.com', path: '› 1' } }],
    },
  };
}

/** A local stand-in for Brave's web search endpoint, recording what it is sent. */
export function startBraveStandIn(): Promise<BraveStandIn> {
  return startWebSearchStandIn<BraveRequest, BraveError>({
    path: '/res/v1/web/search',
    record: (request, url) => ({ method: request.method ?? '', url, headers: request.headers }),
    answer: ({ url, reply, send }) => {
      if (url.pathname !== '/res/v1/web/search') return send(404, { type: 'ErrorResponse', error: { id: 'x', status: 404, code: 'RESOURCE_NOT_FOUND', detail: 'Resource not found.' } });
      if (reply.kind === 'error') return send(reply.status, { type: 'ErrorResponse', error: { id: 'e1', status: reply.status, code: reply.code, detail: reply.detail, meta: { component: 'authentication' } }, time: 1714000000 });
      send(200, braveSearchReply(url.searchParams.get('q') ?? ''));
    },
  });
}
