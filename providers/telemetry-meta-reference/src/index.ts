import { defineProvider } from '@cria/api';
import { configSchema, type MetaReferenceTelemetryConfig, sampleConfig } from './telemetry-config.js';
import { MetaReferenceTelemetry } from './telemetry-provider.js';
import { configValidator } from '../generated/config-validator.js';

export type { MetaReferenceTelemetryConfig, TelemetrySettings } from './telemetry-config.js';
export { resolveSettings } from './telemetry-config.js';
export { MetaReferenceTelemetry } from './telemetry-provider.js';

export default defineProvider<'telemetry', MetaReferenceTelemetryConfig>({
  api: 'telemetry',
  providerType: 'inline::meta-reference',
  description: 'OpenTelemetry traces and metrics from the OTEL_* variables (OTLP over http/protobuf, http/json or grpc), Prometheus metrics at /metrics, and a trace store serving Llama Stack 0.2\'s telemetry queries.',
  configSchema,
  configValidator,
  sampleConfig,
  environment: ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'OTEL_SDK_DISABLED', 'CRIA_LOG_LEVEL'],
  requirements: ['@opentelemetry/sdk-trace-base', 'prom-client'],
  create: (config, context) => MetaReferenceTelemetry.create(config, context),
});
