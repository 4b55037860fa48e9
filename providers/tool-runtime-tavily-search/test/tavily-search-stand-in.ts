import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stand-in received, its body parsed. */
export interface TavilyRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** What the stand-in answers next: a search, an error status with Tavily's error body, or nothing at all. */
export type TavilyReply = { kind: 'search' } | { kind: 'error'; status: number; error: string } | { kind: 'hang' };

export interface TavilyStandIn {
  /** The search endpoint (`http://127.0.0.1:<port>/search`). */
  url: string;
  requests: TavilyRequest[];
  reply: TavilyReply;
  close(): Promise<void>;
}

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
export async function startTavilyStandIn(): Promise<TavilyStandIn> {
  const requests: TavilyRequest[] = [];
  const standIn = { reply: { kind: 'search' } as TavilyReply };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
    const reply = standIn.reply;
    if (reply.kind === 'hang') return;
    const send = (status: number, payload: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (request.method !== 'POST' || request.url !== '/search') return send(404, { detail: 'Not Found' });
    if (reply.kind === 'error') return send(reply.status, { detail: { error: reply.error } });
    const key = typeof body.api_key === 'string' ? body.api_key : request.headers.authorization?.replace(/^Bearer /, '');
    if (!key) return send(401, { detail: { error: 'Unauthorized: missing or invalid API key.' } });
    if (typeof body.query !== 'string') return send(400, { detail: { error: 'Query is missing.' } });
    send(200, tavilySearchReply(body.query, typeof body.max_results === 'number' ? body.max_results : 5));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}/search`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A URL on 127.0.0.1 where nothing listens (a port that was just freed). */
export async function unusedUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
