import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerWithFault, type FakeFault, FaultQueue, isStreamFault, sendError, sendJson, type StreamFault, writeEventStream } from './fake-openai-upstream-faults.js';
import { FakeReplies } from './fake-openai-upstream-replies.js';

export type { FakeFault } from './fake-openai-upstream-faults.js';
export { exampleFromSchema, fakeEmbedding } from './fake-openai-upstream-replies.js';

export interface FakeModel {
  id: string;
  type?: 'llm' | 'embedding' | 'rerank';
}

export interface FakeUpstreamOptions {
  models?: FakeModel[];
  /** Dimension of embeddings when a request does not set `dimensions`. */
  embeddingDimension?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
  /** Pause between streamed chunks. */
  chunkDelayMs?: number;
  /** Keep received requests in `requests` (off for benchmarks). */
  record?: boolean;
  /** The text the assistant answers; default `Echo: <last user text>`. */
  reply?: (request: Record<string, any>) => string;
  /**
   * Answer rerank requests as this server documents them: `vllm` at `/rerank` beside the `/v1`
   * root (vLLM ≥ 0.15; results with `document.text`), `llama-cpp-server` at `/v1/rerank` and
   * `/rerank` (results with `index` and `relevance_score`, usage in tokens). Both take
   * `{model, query, documents, top_n}` and answer most relevant first, cut to top_n. The score is
   * `fakeRelevance` (shared query words). Absent: no rerank route.
   */
  rerank?: 'vllm' | 'llama-cpp-server';
  /** The path the API is served under (`/v1` by default; watsonx's `/ml/v1`), stripped from recorded paths. */
  basePath?: string;
  host?: string;
  port?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The request's URL as sent: its full path and query string. */
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/**
 * The fake's rerank score: the share of the query's words found in the document, plus a small
 * bonus for shorter documents (so ties break the same way everywhere), in [0, 1).
 */
export function fakeRelevance(query: string, document: string): number {
  const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9+]+/g) ?? []);
  const queryWords = words(query);
  const documentWords = words(document);
  let shared = 0;
  for (const word of queryWords) if (documentWords.has(word)) shared++;
  const overlap = queryWords.size ? shared / queryWords.size : 0;
  return overlap * 0.9 + 0.09 / (1 + document.length / 100);
}

const DEFAULT_MODELS: FakeModel[] = [
  { id: 'fake-llm' },
  { id: 'fake-llm-2' },
  { id: 'fake-embedding', type: 'embedding' },
];

/**
 * A deterministic OpenAI-compatible service for tests and benchmarks: chat (streamed or not,
 * tool calls, structured output, n, stop, max_tokens, logprobs), completions, embeddings and
 * model listing, plus faults on demand. It stands in for the hosted services no test can reach.
 */
export class FakeOpenAIUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose client went away before the answer was complete. */
  abortedRequests = 0;
  /** Requests currently being answered. */
  inFlight = 0;
  private readonly faults = new FaultQueue();
  private readonly replies: FakeReplies;
  private readonly models: FakeModel[];
  private readonly options: FakeUpstreamOptions;

  private constructor(private readonly server: Server, options: FakeUpstreamOptions) {
    this.options = options;
    this.models = options.models ?? DEFAULT_MODELS;
    this.replies = new FakeReplies(options.reply);
  }

  static async start(options: FakeUpstreamOptions = {}): Promise<FakeOpenAIUpstream> {
    let upstream: FakeOpenAIUpstream | undefined;
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      void upstream!.handle(req, res);
    });
    upstream = new FakeOpenAIUpstream(server, options);
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
    return upstream;
  }

  /** The OpenAI-style base URL, ending in `/v1`. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}/v1`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Injects `fault` into the next `times` requests (to `path` only, when given). */
  fault(fault: FakeFault, times = 1, path?: string): void {
    this.faults.add(fault, times, path);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The last recorded request to a path. */
  lastRequest(path: string): RecordedRequest | undefined {
    for (let index = this.requests.length - 1; index >= 0; index--) if (this.requests[index]!.path === path) return this.requests[index];
    return undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (!res.writableFinished) this.abortedRequests++;
    });
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const path = rawPath.startsWith(this.options.basePath ?? '/v1') ? rawPath.slice((this.options.basePath ?? '/v1').length) : rawPath;
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body: any = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
      }
    }
    if (this.options.record !== false) {
      this.requests.push({ method: req.method ?? 'GET', path, url: req.url ?? '/', headers: req.headers, body });
      if (this.requests.length > 1000) this.requests.shift();
    }
    if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    const fault = this.faults.take(path);
    if (fault && (await answerWithFault(res, fault))) return;
    const streamFault = isStreamFault(fault) ? fault : undefined;

    if (req.method === 'GET' && path === '/models') {
      return sendJson(res, { object: 'list', data: this.models.map((model) => ({ id: model.id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) });
    }
    if (req.method === 'GET' && (path === '/health' || req.url === '/health')) return sendJson(res, {});
    if (req.method !== 'POST') return sendError(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error');
    if (path === '/rerank' && this.options.rerank) return this.rerank(req.url ?? '', body, res);
    const model = this.models.find((candidate) => candidate.id === body.model);
    if ((path === '/chat/completions' || path === '/completions' || path === '/embeddings') && !model) {
      return sendError(res, 404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    }
    switch (path) {
      case '/chat/completions':
        return body.stream ? this.stream(res, this.replies.chatEvents(body), streamFault) : sendJson(res, this.replies.chat(body));
      case '/completions':
        return body.stream ? this.stream(res, this.replies.completionEvents(body), streamFault) : sendJson(res, this.replies.completion(body));
      case '/embeddings':
        return sendJson(res, this.replies.embeddings(body, this.options.embeddingDimension ?? 16));
      default:
        return sendError(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error');
    }
  }

  private rerank(url: string, body: any, res: ServerResponse): void {
    const shape = this.options.rerank!;
    if (shape === 'vllm' && url.startsWith('/v1/')) return sendError(res, 404, `Invalid URL (POST ${url})`, 'invalid_request_error');
    const model = this.models.find((candidate) => candidate.id === body.model);
    if (!model || model.type !== 'rerank') return sendError(res, 404, `The model \`${body.model}\` does not exist or cannot rerank.`, 'invalid_request_error', 'model_not_found');
    if (typeof body.query !== 'string' || !Array.isArray(body.documents) || body.documents.some((document: unknown) => typeof document !== 'string')) {
      return sendError(res, 400, 'query must be a string and documents a list of strings.', 'invalid_request_error');
    }
    const documents = body.documents as string[];
    const ranked = documents
      .map((document, index) => ({ index, document, score: fakeRelevance(body.query, document) }))
      .sort((left, right) => right.score - left.score || left.index - right.index)
      .slice(0, typeof body.top_n === 'number' ? body.top_n : documents.length);
    const tokens = Math.ceil((body.query.length + documents.join('').length) / 4);
    if (shape === 'vllm') {
      return sendJson(res, {
        id: `rerank-${Date.now().toString(16)}`,
        model: body.model,
        usage: { total_tokens: tokens },
        results: ranked.map((result) => ({ index: result.index, document: { text: result.document }, relevance_score: result.score })),
      });
    }
    return sendJson(res, {
      model: body.model,
      object: 'list',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
      results: ranked.map((result) => ({ index: result.index, relevance_score: result.score })),
    });
  }

  private stream(res: ServerResponse, events: unknown[], fault: StreamFault | undefined): Promise<void> {
    return writeEventStream(res, events, fault, this.options.chunkDelayMs ?? 0);
  }
}
