import type { JsonSchema, SqlStoreRef } from '@cria/api';

/** Where telemetry goes (Llama Stack 0.2's sink names). */
export type TelemetrySink = 'otel_trace' | 'otel_metric' | 'sqlite' | 'console';

/** `inline::meta-reference` settings (Llama Stack 0.2's TelemetryConfig, with Cria's trace store and retention). */
export interface MetaReferenceTelemetryConfig {
  /** `service.name` of the exported resource; OTEL_SERVICE_NAME, else `cria`. */
  service_name?: string | null;
  /**
   * Sinks to enable besides what the OTEL_* variables enable: `otel_trace` and `otel_metric`
   * (OTLP), `sqlite` (the trace store), `console` (spans logged). A list, or Llama Stack's
   * comma-separated string.
   */
  sinks?: readonly TelemetrySink[] | string | null;
  /** Llama Stack 0.2's OTLP endpoint (`http://host:4318`); OTEL_EXPORTER_OTLP_ENDPOINT and the per-signal variables otherwise. */
  otel_exporter_otlp_endpoint?: string | null;
  /** Where the `sqlite` sink keeps traces: a table of the storage backends (`sql_sqlite`, or `sql_postgres`). */
  trace_store?: SqlStoreRef | null;
  /** How long traces are kept, and how many. */
  retention?: { max_age_seconds?: number; max_traces?: number } | null;
  /** Serve GET /metrics in Prometheus' text format. */
  prometheus?: boolean;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    service_name: { type: ['string', 'null'], description: 'service.name of the exported resource (OTEL_SERVICE_NAME, else cria).' },
    sinks: {
      description: 'Sinks besides those the OTEL_* variables enable: otel_trace, otel_metric, sqlite (the trace store), console. A list or a comma-separated string.',
      anyOf: [{ type: 'array', items: { type: 'string', enum: ['otel_trace', 'otel_metric', 'sqlite', 'console'] } }, { type: 'string' }, { type: 'null' }],
    },
    otel_exporter_otlp_endpoint: { type: ['string', 'null'], description: 'OTLP endpoint (Llama Stack 0.2\'s setting); the OTEL_EXPORTER_OTLP_* variables otherwise.' },
    trace_store: {
      anyOf: [
        { type: 'object', properties: { backend: { type: 'string', minLength: 1 }, table_name: { type: ['string', 'null'] } }, required: ['backend'], additionalProperties: false },
        { type: 'null' },
      ],
      description: 'The table of the storage backends the sqlite sink writes (default: backend sql_default, tables prefixed telemetry_).',
    },
    retention: {
      anyOf: [
        {
          type: 'object',
          properties: {
            max_age_seconds: { type: 'number', exclusiveMinimum: 0, default: 604800, description: 'Traces older than this are deleted (default 7 days).' },
            max_traces: { type: 'integer', minimum: 1, default: 10000, description: 'Past this many traces the oldest are deleted.' },
          },
          additionalProperties: false,
        },
        { type: 'null' },
      ],
    },
    prometheus: { type: 'boolean', default: true, description: 'Serve GET /metrics in Prometheus\' text format.' },
  },
  additionalProperties: false,
};

export const sampleConfig = {
  service_name: '${env.OTEL_SERVICE_NAME:=cria}',
  sinks: '${env.TELEMETRY_SINKS:=}',
  trace_store: { backend: 'sql_default', table_name: 'telemetry' },
};

/** The OTLP wire protocols of the OTEL_EXPORTER_OTLP_*PROTOCOL variables. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** One OTLP signal's export, resolved from the config and the OTEL_* variables. */
export interface OtlpTarget {
  protocol: OtlpProtocol;
  /** The full URL (http: `.../v1/traces`), or undefined to let the exporter read the variables. */
  url: string | undefined;
}

/** What the provider turns on, resolved once at start-up. */
export interface TelemetrySettings {
  serviceName: string;
  traces: OtlpTarget | null;
  metrics: OtlpTarget | null;
  traceStore: SqlStoreRef | null;
  console: boolean;
  maxAgeSeconds: number;
  maxTraces: number;
  prometheus: boolean;
}

function sinksOf(sinks: MetaReferenceTelemetryConfig['sinks']): Set<string> {
  if (!sinks) return new Set();
  const list = typeof sinks === 'string' ? sinks.split(',') : sinks;
  return new Set(list.map((sink) => sink.trim()).filter(Boolean));
}

function protocolOf(value: string | undefined): OtlpProtocol {
  return value === 'grpc' || value === 'http/json' ? value : 'http/protobuf';
}

const SIGNAL_PATHS = { traces: 'v1/traces', metrics: 'v1/metrics' } as const;

/**
 * One signal's OTLP target, as the OpenTelemetry SDK reads the variables: the per-signal
 * endpoint (used as it is), else the general one (with `/v1/<signal>` for http); the exporter
 * `none` (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER) turns it off.
 */
function otlpTarget(signal: 'traces' | 'metrics', env: NodeJS.ProcessEnv, configEndpoint: string | null | undefined, sinkOn: boolean): OtlpTarget | null {
  const upper = signal.toUpperCase();
  if (env[`OTEL_${upper}_EXPORTER`]?.split(',').every((name) => name.trim() === 'none')) return null;
  const protocol = protocolOf(env[`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL);
  const signalEndpoint = env[`OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`];
  const generalEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || configEndpoint || undefined;
  // The variables turn a signal on; the config's endpoint only says where its sinks send.
  if (!signalEndpoint && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !sinkOn) return null;
  if (signalEndpoint) return { protocol, url: signalEndpoint };
  const base = generalEndpoint ?? (protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318');
  return { protocol, url: protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/${SIGNAL_PATHS[signal]}` };
}

/** What to turn on: the config's sinks, and the standard OTEL_* variables (as the OpenTelemetry SDK reads them). */
export function resolveSettings(config: MetaReferenceTelemetryConfig, env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const sinks = sinksOf(config.sinks);
  const disabled = env.OTEL_SDK_DISABLED?.toLowerCase() === 'true';
  return {
    serviceName: config.service_name || env.OTEL_SERVICE_NAME || 'cria',
    traces: disabled ? null : otlpTarget('traces', env, config.otel_exporter_otlp_endpoint, sinks.has('otel_trace')),
    metrics: disabled ? null : otlpTarget('metrics', env, config.otel_exporter_otlp_endpoint, sinks.has('otel_metric')),
    traceStore: sinks.has('sqlite') ? (config.trace_store ?? { backend: 'sql_default', table_name: 'telemetry' }) : null,
    console: sinks.has('console'),
    maxAgeSeconds: config.retention?.max_age_seconds ?? 604_800,
    maxTraces: config.retention?.max_traces ?? 10_000,
    prometheus: config.prometheus ?? true,
  };
}
