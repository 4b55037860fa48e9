import { describe, expect, it } from 'vitest';
import { resolveSettings } from './telemetry-config.js';

describe('resolveSettings', () => {
  it('turns nothing on but /metrics without OTEL_* variables or sinks', () => {
    expect(resolveSettings({}, {})).toMatchObject({ serviceName: 'cria', traces: null, metrics: null, traceStore: null, console: false, prometheus: true });
  });

  it('reads the general OTLP endpoint and protocol, adding each signal\'s path for http', () => {
    const settings = resolveSettings({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'gateway' });
    expect(settings.serviceName).toBe('gateway');
    expect(settings.traces).toEqual({ protocol: 'http/json', url: 'http://collector:4318/v1/traces' });
    expect(settings.metrics).toEqual({ protocol: 'http/json', url: 'http://collector:4318/v1/metrics' });
  });

  it('uses a per-signal endpoint as it is, and the per-signal protocol over the general one', () => {
    const settings = resolveSettings({}, {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4317',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    expect(settings.traces).toEqual({ protocol: 'grpc', url: 'http://traces:4317' });
    expect(settings.metrics).toBeNull();
  });

  it('honours OTEL_*_EXPORTER=none and OTEL_SDK_DISABLED', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_METRICS_EXPORTER: 'none' };
    expect(resolveSettings({}, env)).toMatchObject({ traces: { protocol: 'http/protobuf' }, metrics: null });
    expect(resolveSettings({}, { ...env, OTEL_SDK_DISABLED: 'true' })).toMatchObject({ traces: null, metrics: null });
  });

  it('reads Llama Stack 0.2\'s sinks (a list or a comma-separated string) and endpoint', () => {
    const settings = resolveSettings({ sinks: 'otel_trace, sqlite,console', otel_exporter_otlp_endpoint: 'http://jaeger:4318', retention: { max_age_seconds: 60, max_traces: 5 } }, {});
    expect(settings).toMatchObject({
      traces: { protocol: 'http/protobuf', url: 'http://jaeger:4318/v1/traces' },
      metrics: null,
      traceStore: { backend: 'sql_default', table_name: 'telemetry' },
      console: true,
      maxAgeSeconds: 60,
      maxTraces: 5,
    });
    expect(resolveSettings({ sinks: ['otel_metric'] }, {}).metrics).toEqual({ protocol: 'http/protobuf', url: 'http://localhost:4318/v1/metrics' });
  });
});
