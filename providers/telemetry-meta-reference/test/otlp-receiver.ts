import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { OTLP_TRACE_PROTO } from './otlp-trace-proto.js';

/**
 * The OTLP messages this receiver decodes: the trace messages, and the metrics package's with the
 * fields the tests read (protobuf skips the others).
 */
const OTLP_PROTO = `${OTLP_TRACE_PROTO}
message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 time_unix_nano = 3; oneof value { double as_double = 4; sfixed64 as_int = 6; } }
message HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 count = 4; double sum = 5; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Metric { string name = 1; string description = 2; string unit = 3; oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; } }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const MetricsRequest = root.lookupType('otlp.ExportMetricsServiceRequest');

/** A span as received, with ids in hex and attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  events: string[];
  /** The spans it links to. */
  links: { traceId: string; spanId: string }[];
  resource: Record<string, unknown>;
  scope: string;
}

/** A metric as received: its name and data points' attributes and values (a sum's value, a histogram's count). */
export interface ReceivedMetric {
  name: string;
  /** A sum's or a histogram's (OTLP's AggregationTemporality); none for a gauge. */
  temporality?: 'delta' | 'cumulative';
  points: { attributes: Record<string, unknown>; value: number }[];
}

const TEMPORALITIES: Record<number, ReceivedMetric['temporality']> = { 1: 'delta', 2: 'cumulative' };

type Json = Record<string, any>;

function hex(value: unknown): string {
  if (typeof value === 'string') return /^[0-9a-f]*$/i.test(value) ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return '';
}

function anyValue(value: Json | undefined): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(anyValue);
  return undefined;
}

function attributesOf(list: Json[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((pair) => [pair.key, anyValue(pair.value)]));
}

/** Spans of an ExportTraceServiceRequest in OTLP's JSON mapping (camelCase, as the http/json exporter and protobufjs' toObject give it). */
function spansOf(request: Json): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name,
          kind: Number(span.kind ?? 0),
          attributes: attributesOf(span.attributes),
          statusCode: Number(span.status?.code ?? 0),
          events: (span.events ?? []).map((event: Json) => event.name),
          links: (span.links ?? []).map((link: Json) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

function metricsOf(request: Json): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const points = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? metric.histogram?.dataPoints ?? [];
        const temporality = TEMPORALITIES[Number((metric.sum ?? metric.histogram)?.aggregationTemporality)];
        metrics.push({
          name: metric.name,
          ...(temporality ? { temporality } : {}),
          points: points.map((point: Json) => ({ attributes: attributesOf(point.attributes), value: Number(point.count ?? point.asDouble ?? point.asInt ?? 0) })),
        });
      }
    }
  }
  return metrics;
}

const TO_OBJECT = { longs: String, bytes: String, defaults: false, oneofs: false } as const;

/**
 * A local OTLP receiver: http/protobuf and http/json on `url` (POST /v1/traces, /v1/metrics),
 * and gRPC on `grpcUrl` (the collector's TraceService and MetricsService). It decodes what it
 * receives and keeps the spans and metrics for the tests.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  /** The content types of the http exports received, and `grpc` for each gRPC export. */
  readonly encodings: string[] = [];

  private constructor(
    private readonly http: Server,
    private readonly grpcServer: grpc.Server,
    readonly url: string,
    readonly grpcUrl: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const http = createServer((req, res) => {
      void readBody(req).then((body) => {
        const type = String(req.headers['content-type'] ?? '');
        try {
          receiver!.receiveHttp(req.url ?? '', type, body);
          res.writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' });
          res.end(type.includes('json') ? '{}' : '');
        } catch (error) {
          res.writeHead(400);
          res.end(String(error));
        }
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const grpcServer = new grpc.Server();
    const unary = (path: string, type: protobuf.Type, keep: (request: Json) => void): grpc.ServiceDefinition => ({
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: Json) => Buffer.from(type.encode(type.fromObject(value)).finish()),
        requestDeserialize: (bytes: Buffer) => type.toObject(type.decode(bytes), TO_OBJECT),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: () => ({}),
      },
    } as unknown as grpc.ServiceDefinition);
    const handler = (keep: (request: Json) => void) => ({
      Export: (call: grpc.ServerUnaryCall<Json, Json>, callback: grpc.sendUnaryData<Json>) => {
        receiver!.encodings.push('grpc');
        keep(call.request);
        callback(null, {});
      },
    });
    grpcServer.addService(unary('/opentelemetry.proto.collector.trace.v1.TraceService/Export', TraceRequest, () => undefined), handler((request) => receiver!.spans.push(...spansOf(request))));
    grpcServer.addService(unary('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', MetricsRequest, () => undefined), handler((request) => receiver!.metrics.push(...metricsOf(request))));
    const grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
    const port = (http.address() as AddressInfo).port;
    receiver = new OtlpReceiver(http, grpcServer, `http://127.0.0.1:${port}`, `http://127.0.0.1:${grpcPort}`);
    return receiver;
  }

  private receiveHttp(path: string, contentType: string, body: Buffer): void {
    this.encodings.push(contentType);
    const json = contentType.includes('json');
    if (path.endsWith('/v1/traces')) {
      const request = json ? JSON.parse(body.toString('utf8')) : TraceRequest.toObject(TraceRequest.decode(body), TO_OBJECT);
      this.spans.push(...spansOf(request));
    } else if (path.endsWith('/v1/metrics')) {
      const request = json ? JSON.parse(body.toString('utf8')) : MetricsRequest.toObject(MetricsRequest.decode(body), TO_OBJECT);
      this.metrics.push(...metricsOf(request));
    } else {
      throw new Error(`unknown OTLP path ${path}`);
    }
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** Waits until `check` finds what it looks for in what was received (exports are batched). */
  async eventually<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`not received within ${timeoutMs} ms; spans: ${this.spans.map((span) => span.name).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  clear(): void {
    this.spans.length = 0;
    this.metrics.length = 0;
    this.encodings.length = 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}
