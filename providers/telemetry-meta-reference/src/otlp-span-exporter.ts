import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from './telemetry-config.js';
import { encodeTraceExportJson, encodeTraceExportProtobuf } from './otlp-trace-encoding.js';
import type { SpanRecord } from './span-record.js';

/**
 * An OTLP span exporter of the target's protocol: the SDK's transports (http or grpc, with their
 * OTEL_EXPORTER_OTLP_* headers, timeout, compression, certificates and retries), fed by Cria's
 * encoders, which read the recording spans' fields directly instead of building the SDK's
 * intermediate objects per span.
 */
export async function otlpSpanExporter(target: OtlpTarget, resource: Attributes): Promise<SpanExporter> {
  const [{ OTLPExporterBase }, { ProtobufTraceSerializer, JsonTraceSerializer, TraceExporterMetricsHelper }] = await Promise.all([import('@opentelemetry/otlp-exporter-base'), import('@opentelemetry/otlp-transformer')]);
  const config = target.url ? { url: target.url } : {};
  const json = target.protocol === 'http/json';
  // The collector's answer (partial success) is read by the SDK's own deserializers.
  const serializer = {
    serializeRequest: (spans: ReadableSpan[]) => (json ? encodeTraceExportJson : encodeTraceExportProtobuf)(resource, spans as unknown as SpanRecord[]),
    deserializeResponse: json ? JsonTraceSerializer.deserializeResponse : ProtobufTraceSerializer.deserializeResponse,
  };
  if (target.protocol === 'grpc') {
    const grpc = await import('@opentelemetry/otlp-grpc-exporter-base');
    const delegate = grpc.createOtlpGrpcExportDelegate(
      grpc.convertLegacyOtlpGrpcOptions(config, 'TRACES'),
      serializer,
      'otlp_grpc_span_exporter',
      TraceExporterMetricsHelper,
      undefined,
      'TraceExportService',
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    );
    return new OTLPExporterBase(delegate);
  }
  const http = await import('@opentelemetry/otlp-exporter-base/node-http');
  const delegate = http.createOtlpHttpExportDelegate(
    http.convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' }),
    serializer,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase(delegate);
}
