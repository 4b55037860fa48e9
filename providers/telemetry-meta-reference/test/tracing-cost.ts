import { type Context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { encodeTraceExportProtobuf } from '../src/otlp-trace-encoding.js';
import type { SpanRecord } from '../src/span-record.js';
import { LinkedContext } from '../src/telemetry-context.js';
import { RecordingTracerProvider, type RecordingSpan, TraceContextPropagator } from '../src/telemetry-tracer.js';

/** What `pnpm bench tracing` reports: CPU µs of tracing per chat completion, medians of the rounds. */
export interface TracingCost {
  /** The spans, their contexts and the upstream's `traceparent`, without export. */
  spansMicros: number;
  /** The same with the spans encoded to OTLP/protobuf in batches of 512 (the batch processor's default). */
  withEncodingMicros: number;
  /** Bytes of OTLP/protobuf per request. */
  bytesPerRequest: number;
}

const RESOURCE = { 'service.name': 'cria-bench', 'service.version': '0.1.0', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.0.0', 'host.name': 'bench' };
const BATCH = 512;

/**
 * The tracing work of one non-streamed chat completion through Cria, done in a loop: the request's
 * SERVER span (from its headers, with the attributes the pipeline's hooks set), `route model`,
 * `chat <model>` and the upstream's CLIENT span with its `traceparent` injected, with the
 * attributes the routers and the upstream client set. In-process only: it measures the loop time
 * of the work, which a loaded server pays several times over (caches, contention).
 */
export async function measureTracingCost(requests: number, rounds: number): Promise<TracingCost> {
  let pending: SpanRecord[] = [];
  let bytes = 0;
  let encode = false;
  const sink = {
    onEnd(span: RecordingSpan) {
      if (!encode) return;
      pending.push(span);
      if (pending.length === BATCH) {
        bytes += encodeTraceExportProtobuf(RESOURCE, pending).length;
        pending = [];
      }
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const provider = new RecordingTracerProvider([sink], null, resourceFromAttributes(RESOURCE));
  propagation.setGlobalPropagator(new TraceContextPropagator());
  const server = provider.getTracer('@cria/provider-telemetry-meta-reference');
  const core = provider.getTracer('@cria/core');
  const upstream = provider.getTracer('@cria/provider-utils');
  const headers = { host: '127.0.0.1:8321', 'content-type': 'application/json', 'content-length': '120' };
  const upstreamHeaders = { 'content-type': 'application/json', authorization: 'Bearer key' };
  // The request's body and the upstream's reply, parsed for each request as the server does: the
  // model names and ids in the attributes are new strings every time, not the program's constants.
  const requestBody = JSON.stringify({ model: 'fake-llm', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 16 });
  const upstreamReply = (id: number) => `{"id":"chatcmpl-${id}","object":"chat.completion","model":"fake-llm","usage":{"prompt_tokens":12,"completion_tokens":16}}`;
  const baseUrl = 'http://127.0.0.1:8000/v1';
  let count = 0;

  const inSpan = async <T>(parent: Context, name: string, attributes: Record<string, string | number>, work: (context: Context) => Promise<T>, describe: (span: RecordingSpan) => void): Promise<T> => {
    const span = core.startSpan(name, { attributes }, parent) as RecordingSpan;
    const result = await work(trace.setSpan(parent, span));
    describe(span);
    span.end();
    return result;
  };

  const request = async (): Promise<void> => {
    count++;
    const body = JSON.parse(requestBody) as { model: string; max_tokens: number };
    const reply = JSON.parse(upstreamReply(count)) as { id: string; model: string };
    const model = body.model;
    const parent = new LinkedContext(propagation.extract(ROOT_CONTEXT, headers));
    const span = server.startSpan('POST', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'url.path': '/v1/chat/completions', 'cria.request_id': `5b0c7a4e-4b1f-4c2e-9d1a-${(1e11 + count).toString(16)}` } }, parent);
    const context = trace.setSpan(parent, span);
    await inSpan(context, 'route model', { 'cria.operation': 'chat completion', 'gen_ai.request.model': model }, async () => 'fake', (route) => {
      route.setAttribute('gen_ai.provider.name', 'fake');
      route.setAttribute('cria.provider_resource_id', 'fake-llm');
    });
    await inSpan(context, `chat ${model}`, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'gen_ai.provider.name': 'fake', 'cria.provider_id': 'fake', 'gen_ai.request.max_tokens': body.max_tokens }, async (chatContext) => {
      const call = upstream.startSpan('POST /chat/completions', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'server.port': 8000, 'url.full': `${baseUrl}/chat/completions`, 'cria.provider_id': 'fake' } }, chatContext);
      propagation.inject(trace.setSpan(chatContext, call), Object.assign({}, upstreamHeaders));
      call.setAttribute('http.response.status_code', 200);
      call.setAttribute('cria.upstream.time_to_first_byte_ms', 0.4 + (count % 16) / 10);
      call.end();
    }, (chat) => {
      chat.setAttribute('gen_ai.response.model', reply.model);
      chat.setAttribute('gen_ai.response.id', reply.id);
      chat.setAttribute('gen_ai.usage.input_tokens', 12 + (count % 7));
      chat.setAttribute('gen_ai.usage.output_tokens', 16);
      chat.setAttribute('gen_ai.response.finish_reasons', ['stop']);
    });
    span.updateName('POST /v1/chat/completions');
    span.setAttribute('http.route', '/v1/chat/completions');
    span.setAttribute('cria.api', 'inference');
    span.setAttribute('cria.operation', 'openai_chat_completion');
    span.setAttribute('gen_ai.request.model', model);
    span.setAttribute('cria.streaming', false);
    span.setAttribute('gen_ai.response.model', reply.model);
    span.setAttribute('gen_ai.usage.input_tokens', 12 + (count % 7));
    span.setAttribute('gen_ai.usage.output_tokens', 16);
    span.setAttribute('http.response.status_code', 200);
    span.end();
  };
  // The same awaits without the tracing, subtracted from each round.
  const untraced = async (): Promise<void> => {
    JSON.parse(requestBody);
    JSON.parse(upstreamReply(count));
    await (async () => 'fake')();
    await (async () => undefined)();
  };
  const cpuMicros = async (work: () => Promise<void>): Promise<number> => {
    const start = process.cpuUsage();
    for (let i = 0; i < requests; i++) await work();
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  // Warm-up of both ways, then rounds that take turns, so that drift of the machine falls on both alike.
  await cpuMicros(request);
  encode = true;
  await cpuMicros(request);
  const spans: number[] = [];
  const encoded: number[] = [];
  const encodedBefore = bytes;
  for (let round = 0; round < rounds; round++) {
    encode = false;
    const baseline = await cpuMicros(untraced);
    spans.push(((await cpuMicros(request)) - baseline) / requests);
    encode = true;
    encoded.push(((await cpuMicros(request)) - baseline) / requests);
  }
  const spansMicros = median(spans);
  const withEncodingMicros = median(encoded);
  const bytesPerRequest = (bytes - encodedBefore) / (rounds * requests);
  propagation.disable();
  return { spansMicros, withEncodingMicros, bytesPerRequest };
}
