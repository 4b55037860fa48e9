import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { isCriaError, type ObservedRequest, type ObservedResult, type PipelineObserver } from '@cria/api';
import type { RequestMetrics } from './telemetry-metrics.js';
import type { RequestTracing } from './telemetry-tracing.js';

/** The route label of requests no route matched (so unknown paths do not make new series). */
const UNMATCHED_ROUTE = 'unmatched';

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
}

interface ModelReply {
  model?: unknown;
  usage?: Usage | null;
  response?: { model?: unknown; usage?: Usage | null } | null;
}

/** Whether a streamed event carries the first generated token: a chat delta with content or tool calls, or a Responses `*.delta`. */
function carriesToken(event: unknown): boolean {
  const value = event as { choices?: { delta?: { content?: unknown; tool_calls?: unknown }; text?: unknown }[]; type?: unknown } | null;
  if (!value || typeof value !== 'object') return false;
  const choice = value.choices?.[0];
  if (choice) return Boolean(choice.delta?.content || choice.delta?.tool_calls || choice.text);
  return typeof value.type === 'string' && value.type.endsWith('.delta');
}

/**
 * The provider's pipeline hooks: the request's span (when tracing), its metrics (when served),
 * tokens and time to first token read off what the handler answers (the reply's `usage`, or
 * the stream's events as they are sent).
 */
export class TelemetryObserver implements PipelineObserver {
  constructor(
    private readonly metrics: RequestMetrics | null,
    private readonly tracing: RequestTracing | null,
  ) {}

  onRequest(request: ObservedRequest): void {
    request.state.startedAt = performance.now();
    this.tracing?.start(request);
  }

  onSend(request: ObservedRequest, result: ObservedResult): void {
    if ('json' in result) {
      const reply = result.json as ModelReply | null;
      if (reply && typeof reply === 'object' && reply.usage) this.recordUsage(request, reply);
    } else if ('sse' in result) {
      (result as { sse: AsyncIterable<unknown> }).sse = this.watch(request, result.sse);
    }
  }

  onError(request: ObservedRequest, error: unknown): void {
    this.tracing?.failed(request, error);
    if (this.metrics && isCriaError(error) && (error.kind === 'upstream' || error.kind === 'upstream_timeout' || error.kind === 'rate_limited')) {
      this.metrics.recordUpstreamError((error as { provider?: string }).provider ?? 'unknown', error.kind);
    }
  }

  onResponse(request: ObservedRequest): void {
    if (this.metrics) {
      const seconds = (performance.now() - (request.state.startedAt as number)) / 1000;
      this.metrics.recordRequest(request.method, request.route?.path ?? UNMATCHED_ROUTE, request.statusCode, seconds);
    }
    this.tracing?.finished(request);
  }

  /** Passes a stream's events on, noting its first token and the usage its last events report. */
  private async *watch(request: ObservedRequest, events: AsyncIterable<unknown>): AsyncIterable<unknown> {
    let firstToken = false;
    try {
      for await (const event of events) {
        if (!firstToken && carriesToken(event)) {
          firstToken = true;
          this.recordFirstToken(request, event as ModelReply);
        }
        const reply = event as ModelReply | null;
        if (reply && typeof reply === 'object' && (reply.usage || reply.response?.usage)) this.recordUsage(request, reply);
        yield event;
      }
    } catch (error) {
      // A failure mid-stream is answered as an event; the request's span still records it.
      const span = request.state.span as Span | undefined;
      if (span) {
        span.recordException({ name: (error as Error).name, message: (error as Error).message });
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      }
      this.onError(request, error);
      throw error;
    }
  }

  private modelOf(request: ObservedRequest, reply: ModelReply): string {
    const model = reply.model ?? reply.response?.model ?? (request.body as { model?: unknown } | undefined)?.model;
    return typeof model === 'string' ? model : 'unknown';
  }

  private recordFirstToken(request: ObservedRequest, event: ModelReply): void {
    const seconds = (performance.now() - (request.state.startedAt as number)) / 1000;
    const model = this.modelOf(request, event);
    this.metrics?.recordFirstToken(model, seconds);
    (request.state.span as Span | undefined)?.setAttribute('gen_ai.server.time_to_first_token', seconds);
  }

  private recordUsage(request: ObservedRequest, reply: ModelReply): void {
    const usage = (reply.usage ?? reply.response?.usage)!;
    const input = usage.prompt_tokens ?? usage.input_tokens;
    const output = usage.completion_tokens ?? usage.output_tokens;
    const model = this.modelOf(request, reply);
    this.metrics?.recordTokens(model, input, output);
    const span = request.state.span as Span | undefined;
    if (span) {
      span.setAttribute('gen_ai.response.model', model);
      if (input !== undefined) span.setAttribute('gen_ai.usage.input_tokens', input);
      if (output !== undefined) span.setAttribute('gen_ai.usage.output_tokens', output);
    }
  }
}
