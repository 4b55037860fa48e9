import type { IncomingHttpHeaders } from 'node:http';
import { startWebSearchStandIn, type WebSearchStandIn } from '@cria/testing/web-search';

/** A request the stand-in received, its body parsed. */
export interface TavilyRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** What the stand-in puts in Tavily's error body (`{"detail": {"error": ...}}`). */
export interface TavilyError {
  error: string;
}

/** The stand-in; its `url` is the search endpoint (`http://127.0.0.1:<port>/search`). */
export type TavilyStandIn = WebSearchStandIn<TavilyRequest, TavilyError>;

/** One result as Tavily's API documents it. */
export function tavilyResult(query: string, n: number): Record<string, unknown> {
  return { title: `Result ${n} for ${query}`, url: `https://example.com/${n}`, content: `What the page says about ${query} (${n}).`, score: 0.9 - n / 10, raw_content: null, favicon: 'https://example.com/favicon.ico' };
}

/** A search answer in the shape Tavily's API documents, `maxResults` results long (Tavily's default is 5). */
export function tavilySearchReply(query: string, maxResults = 5): Record<string, unknown> {
  return {
    query,
    follow_up_questions: null,
    answer: null,
    images: [],
    results: Array.from({ length: maxResults }, (_, n) => tavilyResult(query, n)),
    response_time: '1.67',
    request_id: '123e4567-e89b-12d3-a456-426614174111',
  };
}

/** A local stand-in for Tavily's search endpoint, recording what it is sent. */
export function startTavilyStandIn(): Promise<TavilyStandIn> {
  return startWebSearchStandIn<TavilyRequest, TavilyError>({
    path: '/search',
    record: (request, _url, text) => ({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> }),
    answer: ({ request, recorded: { body }, reply, send }) => {
      if (request.method !== 'POST' || request.url !== '/search') return send(404, { detail: 'Not Found' });
      if (reply.kind === 'error') return send(reply.status, { detail: { error: reply.error } });
      const key = typeof body.api_key === 'string' ? body.api_key : request.headers.authorization?.replace(/^Bearer /, '');
      if (!key) return send(401, { detail: { error: 'Unauthorized: missing or invalid API key.' } });
      if (typeof body.query !== 'string') return send(400, { detail: { error: 'Query is missing.' } });
      send(200, tavilySearchReply(body.query, typeof body.max_results === 'number' ? body.max_results : 5));
    },
  });
}
