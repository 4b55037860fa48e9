import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deterministic OpenAI-compatible service for tests and benchmarks: chat (streamed or not,
 * tool calls, structured output, n, stop, max_tokens, logprobs), completions, embeddings and
 * model listing, plus faults on demand. It stands in for the hosted services no test can reach.
 */

export interface FakeModel {
  id: string;
  type?: 'llm' | 'embedding';
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
  host?: string;
  port?: number;
}

/** A failure to inject into the next matching request(s). */
export type FakeFault =
  | { kind: 'status'; status: number; message?: string; type?: string }
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  | { kind: 'slow_first_byte'; delayMs: number }
  | { kind: 'hang' }
  | { kind: 'invalid_json' }
  /** Streams: send `afterChunks` chunks, then garbage, then end without [DONE]. */
  | { kind: 'broken_sse'; afterChunks: number }
  /** Streams: send `afterChunks` chunks, then drop the connection. */
  | { kind: 'disconnect'; afterChunks: number }
  /** Streams: send `afterChunks` chunks, then an OpenAI error event. */
  | { kind: 'error_event'; afterChunks: number; message?: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

interface QueuedFault {
  fault: FakeFault;
  remaining: number;
  path?: string;
}

const DEFAULT_MODELS: FakeModel[] = [
  { id: 'fake-llm' },
  { id: 'fake-llm-2' },
  { id: 'fake-embedding', type: 'embedding' },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part?.type === 'text' ? part.text : '')).filter(Boolean).join(' ');
  return '';
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function countTokens(messages: any[]): number {
  let count = 0;
  for (const message of messages ?? []) count += words(textOf(message?.content)).length + 1;
  return count;
}

/** A small, valid, deterministic instance of a JSON Schema. */
export function exampleFromSchema(schema: any, name = 'value', root: any = schema): unknown {
  if (!schema || typeof schema !== 'object') return name;
  if (schema.$ref && typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce((node: any, key: string) => node?.[key], root);
    return exampleFromSchema(target, name, root);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.anyOf || schema.oneOf) return exampleFromSchema((schema.anyOf ?? schema.oneOf)[0], name, root);
  const type = Array.isArray(schema.type) ? schema.type.find((entry: string) => entry !== 'null') : schema.type;
  switch (type) {
    case 'object':
    case undefined: {
      if (!schema.properties) return type === 'object' ? {} : name;
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties)) result[key] = exampleFromSchema(property, key, root);
      return result;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => exampleFromSchema(schema.items, name, root));
    case 'integer':
      return Math.max(schema.minimum ?? 0, 1);
    case 'number':
      return Math.max(schema.minimum ?? 0, 1.5);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      if (schema.format === 'date') return '2024-01-01';
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      return `${name}-example`;
    }
  }
}

/** A unit vector that depends only on the text. */
export function fakeEmbedding(text: string, dimension: number): number[] {
  let seed = 2166136261;
  for (let index = 0; index < text.length; index++) seed = Math.imul(seed ^ text.charCodeAt(index), 16777619) >>> 0;
  const vector: number[] = [];
  let norm = 0;
  for (let index = 0; index < dimension; index++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const value = seed / 4294967296 - 0.5;
    vector.push(value);
    norm += value * value;
  }
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

interface PlannedChoice {
  content: string | null;
  toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  completionTokens: number;
}

export class FakeOpenAIUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose client went away before the answer was complete. */
  abortedRequests = 0;
  /** Requests currently being answered. */
  inFlight = 0;
  private readonly faults: QueuedFault[] = [];
  private counter = 0;
  private readonly models: FakeModel[];
  private readonly options: FakeUpstreamOptions;

  private constructor(private readonly server: Server, options: FakeUpstreamOptions) {
    this.options = options;
    this.models = options.models ?? DEFAULT_MODELS;
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
    this.faults.push({ fault, remaining: times, ...(path ? { path } : {}) });
  }

  clearFaults(): void {
    this.faults.length = 0;
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

  private takeFault(path: string): FakeFault | undefined {
    const index = this.faults.findIndex((queued) => !queued.path || queued.path === path);
    if (index === -1) return undefined;
    const queued = this.faults[index]!;
    if (--queued.remaining <= 0) this.faults.splice(index, 1);
    return queued.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (!res.writableFinished) this.abortedRequests++;
    });
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/v1/, '');
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body: any = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.error(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
      }
    }
    if (this.options.record !== false) {
      this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (this.requests.length > 1000) this.requests.shift();
    }
    if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return this.error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    const fault = this.takeFault(path);
    if (fault) {
      switch (fault.kind) {
        case 'status':
          return this.error(res, fault.status, fault.message ?? `fake upstream failure ${fault.status}`, fault.type ?? (fault.status >= 500 ? 'server_error' : 'invalid_request_error'));
        case 'rate_limit':
          res.setHeader('retry-after', String(fault.retryAfterSeconds));
          return this.error(res, 429, 'Rate limit reached for requests.', 'requests', 'rate_limit_exceeded');
        case 'slow_first_byte':
          await sleep(fault.delayMs);
          break;
        case 'hang':
          return;
        case 'invalid_json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"id": "chatcmpl-broken", "choices": [');
          return;
        default:
          break;
      }
    }
    const streamFault = fault && (fault.kind === 'broken_sse' || fault.kind === 'disconnect' || fault.kind === 'error_event') ? fault : undefined;

    if (req.method === 'GET' && path === '/models') {
      return this.json(res, { object: 'list', data: this.models.map((model) => ({ id: model.id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) });
    }
    if (req.method === 'GET' && (path === '/health' || req.url === '/health')) return this.json(res, {});
    if (req.method !== 'POST') return this.error(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error');
    const model = this.models.find((candidate) => candidate.id === body.model);
    if ((path === '/chat/completions' || path === '/completions' || path === '/embeddings') && !model) {
      return this.error(res, 404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    }
    switch (path) {
      case '/chat/completions':
        return body.stream ? this.streamChat(res, body, streamFault) : this.json(res, this.chat(body));
      case '/completions':
        return body.stream ? this.streamCompletion(res, body, streamFault) : this.json(res, this.completion(body));
      case '/embeddings':
        return this.embeddings(res, body);
      default:
        return this.error(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error');
    }
  }

  private json(res: ServerResponse, value: unknown, status = 200): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private error(res: ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
    this.json(res, { error: { message, type, param: null, code } }, status);
  }

  private replyText(body: any): string {
    if (this.options.reply) return this.options.reply(body);
    const messages: any[] = body.messages ?? [];
    const last = [...messages].reverse().find((message) => message.role === 'user');
    const images = Array.isArray(last?.content) ? last.content.filter((part: any) => part?.type === 'image_url').length : 0;
    const prefix = images ? `I see ${images} image${images > 1 ? 's' : ''}. ` : '';
    return `${prefix}Echo: ${textOf(last?.content) || 'nothing'}`;
  }

  /** Decides what each choice says, applying tools, structured output, stop and max_tokens. */
  private plan(body: any): PlannedChoice[] {
    const n = body.n ?? 1;
    const tools: any[] = body.tools ?? [];
    const toolChoice = body.tool_choice ?? 'auto';
    const messages: any[] = body.messages ?? [];
    const last = messages.at(-1);
    const choices: PlannedChoice[] = [];
    for (let index = 0; index < n; index++) {
      let tool: any;
      if (tools.length && toolChoice !== 'none') {
        if (typeof toolChoice === 'object' && toolChoice.function?.name) tool = tools.find((candidate) => candidate.function?.name === toolChoice.function.name);
        else if (toolChoice === 'required' || last?.role !== 'tool') {
          const text = textOf(last?.content).toLowerCase();
          tool = tools.find((candidate) => text.includes(String(candidate.function?.name).toLowerCase())) ?? tools[0];
        }
      }
      if (tool) {
        const args = JSON.stringify(exampleFromSchema(tool.function.parameters ?? { type: 'object', properties: {} }));
        choices.push({
          content: null,
          toolCalls: [{ id: `call_fake_${++this.counter}_${index}`, type: 'function', function: { name: tool.function.name, arguments: args } }],
          finishReason: 'tool_calls',
          completionTokens: words(args).length + 1,
        });
        continue;
      }
      let text: string;
      const format = body.response_format;
      if (format?.type === 'json_schema') text = JSON.stringify(exampleFromSchema(format.json_schema?.schema ?? {}));
      else if (format?.type === 'json_object') text = JSON.stringify({ response: this.replyText(body) });
      else if (last?.role === 'tool') text = `The tool said: ${textOf(last.content)}`;
      else text = this.replyText(body);
      let finishReason: PlannedChoice['finishReason'] = 'stop';
      const stops: string[] = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? []);
      for (const stop of stops) {
        const at = text.indexOf(stop);
        if (at !== -1) text = text.slice(0, at);
      }
      const limit = body.max_completion_tokens ?? body.max_tokens;
      let tokens = words(text);
      if (limit && tokens.length > limit) {
        tokens = tokens.slice(0, limit);
        text = tokens.join(' ');
        finishReason = 'length';
      }
      choices.push({ content: text, toolCalls: [], finishReason, completionTokens: tokens.length });
    }
    return choices;
  }

  private logprobs(text: string, top: number): { content: unknown[] } {
    return {
      content: words(text).map((token, index) => ({
        token,
        logprob: -0.01 * (index + 1),
        bytes: [...Buffer.from(token)],
        top_logprobs: Array.from({ length: top }, (_, rank) => ({ token: rank === 0 ? token : `${token}${rank}`, logprob: -0.01 * (index + 1) - rank, bytes: null })),
      })),
    };
  }

  private usage(body: any, choices: PlannedChoice[]) {
    const prompt = countTokens(body.messages ?? [{ content: String(body.prompt ?? '') }]);
    const completion = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  private chat(body: any) {
    const choices = this.plan(body);
    return {
      id: `chatcmpl-fake-${++this.counter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: choices.map((choice, index) => ({
        index,
        message: { role: 'assistant', content: choice.content, ...(choice.toolCalls.length ? { tool_calls: choice.toolCalls } : {}), refusal: null },
        finish_reason: choice.finishReason,
        logprobs: body.logprobs && choice.content ? this.logprobs(choice.content, body.top_logprobs ?? 0) : null,
      })),
      usage: this.usage(body, choices),
    };
  }

  private async streamChat(res: ServerResponse, body: any, fault: FakeFault | undefined): Promise<void> {
    const choices = this.plan(body);
    const id = `chatcmpl-fake-${++this.counter}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choiceDeltas: unknown[], extra: Record<string, unknown> = {}) => ({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_fake', choices: choiceDeltas, ...extra });
    const events: unknown[] = [];
    choices.forEach((choice, index) => {
      events.push(chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]));
      if (choice.toolCalls.length) {
        choice.toolCalls.forEach((call, callIndex) => {
          events.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }]));
          const half = Math.ceil(call.function.arguments.length / 2);
          for (const piece of [call.function.arguments.slice(0, half), call.function.arguments.slice(half)]) {
            if (piece) events.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, function: { arguments: piece } }] }, finish_reason: null }]));
          }
        });
      } else {
        words(choice.content ?? '').forEach((word, position) => {
          const token = position === 0 ? word : ` ${word}`;
          events.push(chunk([{ index, delta: { content: token }, finish_reason: null, logprobs: body.logprobs ? this.logprobs(word, body.top_logprobs ?? 0) : null }]));
        });
      }
      events.push(chunk([{ index, delta: {}, finish_reason: choice.finishReason, logprobs: null }]));
    });
    if (body.stream_options?.include_usage) events.push(chunk([], { usage: this.usage(body, choices) }));
    await this.writeStream(res, events, fault);
  }

  private completion(body: any) {
    const prompts: string[] = Array.isArray(body.prompt) ? body.prompt.map(String) : [String(body.prompt ?? '')];
    const choices = prompts.map((prompt, index) => {
      const planned = this.plan({ ...body, n: 1, tools: undefined, response_format: undefined, messages: [{ role: 'user', content: prompt }] })[0]!;
      const text = `${body.echo ? prompt : ''}${planned.content}`;
      return { planned, choice: { index, text, finish_reason: planned.finishReason, logprobs: null } };
    });
    return {
      id: `cmpl-fake-${++this.counter}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: choices.map((entry) => entry.choice),
      usage: this.usage({ prompt: prompts.join(' ') }, choices.map((entry) => entry.planned)),
    };
  }

  private async streamCompletion(res: ServerResponse, body: any, fault: FakeFault | undefined): Promise<void> {
    const whole = this.completion(body);
    const events: unknown[] = [];
    for (const choice of whole.choices) {
      words(choice.text).forEach((word, position) => {
        events.push({ ...whole, choices: [{ index: choice.index, text: position === 0 ? word : ` ${word}`, finish_reason: null, logprobs: null }], usage: null });
      });
      events.push({ ...whole, choices: [{ index: choice.index, text: '', finish_reason: choice.finish_reason, logprobs: null }], usage: null });
    }
    if (body.stream_options?.include_usage) events.push({ ...whole, choices: [], usage: whole.usage });
    await this.writeStream(res, events, fault);
  }

  private async writeStream(res: ServerResponse, events: unknown[], fault: FakeFault | undefined): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const delay = this.options.chunkDelayMs ?? 0;
    for (const [index, event] of events.entries()) {
      if (res.destroyed) return;
      if (fault && 'afterChunks' in fault && index === fault.afterChunks) {
        if (fault.kind === 'disconnect') {
          res.socket?.destroy();
          return;
        }
        if (fault.kind === 'broken_sse') {
          res.end('data: {"id": "chatcmpl-broken", "choi\n\n');
          return;
        }
        res.end(`data: ${JSON.stringify({ error: { message: fault.message ?? 'The model crashed while generating.', type: 'server_error', code: null } })}\n\n`);
        return;
      }
      res.write(`data: ${JSON.stringify(event)}\n\n`);
      if (delay) await sleep(delay);
    }
    res.end('data: [DONE]\n\n');
  }

  private embeddings(res: ServerResponse, body: any): void {
    const inputs: unknown[] = Array.isArray(body.input) ? (body.input.every((entry: unknown) => typeof entry === 'number') ? [body.input] : body.input) : [body.input];
    const dimension = body.dimensions ?? this.options.embeddingDimension ?? 16;
    let tokens = 0;
    const data = inputs.map((input, index) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      tokens += words(text).length;
      const vector = fakeEmbedding(text, dimension);
      return {
        object: 'embedding',
        index,
        embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      };
    });
    this.json(res, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }
}
