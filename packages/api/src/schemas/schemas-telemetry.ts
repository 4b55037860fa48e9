import { type JsonSchema, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.2's telemetry routes (dropped by later versions): POST /v1/telemetry/events,
 * POST /v1/telemetry/traces, GET /v1/telemetry/traces/{trace_id},
 * GET /v1/telemetry/traces/{trace_id}/spans/{span_id}, POST /v1/telemetry/spans/{span_id}/tree,
 * POST /v1/telemetry/spans.
 */

const text: JsonSchema = { type: 'string' };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const anyValue: JsonSchema = { type: ['null', 'boolean', 'number', 'string', 'array', 'object'] };
const scalar: JsonSchema = { type: ['string', 'number', 'boolean', 'null'] };
const attributes: JsonSchema = { type: 'object', additionalProperties: anyValue, description: 'Key-value pairs describing the span.' };

const trace = object(
  {
    trace_id: text,
    root_span_id: { type: 'string', description: 'The span that started the trace (the request).' },
    start_time: dateTime,
    end_time: dateTime,
  },
  { required: ['trace_id', 'root_span_id', 'start_time'], additionalProperties: false, title: 'Trace', description: 'A trace: the complete path of one request.' },
);

const spanProperties: Record<string, JsonSchema> = {
  span_id: text,
  trace_id: text,
  parent_span_id: text,
  name: text,
  start_time: dateTime,
  end_time: dateTime,
  attributes,
};

const span = object(spanProperties, { required: ['span_id', 'trace_id', 'name', 'start_time'], additionalProperties: false, title: 'Span', description: 'One operation within a trace.' });

const spanWithStatus = object(
  { ...spanProperties, status: { type: 'string', enum: ['ok', 'error'] } },
  { required: ['span_id', 'trace_id', 'name', 'start_time'], additionalProperties: false, title: 'SpanWithStatus', description: 'A span with its status.' },
);

const queryCondition = object(
  {
    key: { type: 'string', description: 'The attribute to filter on.' },
    op: { type: 'string', enum: ['eq', 'ne', 'gt', 'lt'] },
    value: anyValue,
  },
  { required: ['key', 'op', 'value'], additionalProperties: false, title: 'QueryCondition' },
);

const queryTracesRequest = object(
  {
    attribute_filters: { type: 'array', items: ref('QueryCondition'), description: 'Conditions on the root span\'s attributes.' },
    limit: { type: 'integer', minimum: 1, default: 100 },
    offset: { type: 'integer', minimum: 0, default: 0 },
    order_by: { type: 'array', items: text, description: 'Fields of a trace (`start_time`, `end_time`, `trace_id`), `-` before a name for descending; newest first by default.' },
  },
  { additionalProperties: false, title: 'QueryTracesRequest' },
);

const queryTracesResponse = object({ data: { type: 'array', items: ref('Trace') } }, { required: ['data'], title: 'QueryTracesResponse' });

const querySpansRequest = object(
  {
    attribute_filters: { type: 'array', items: ref('QueryCondition') },
    attributes_to_return: { type: 'array', items: text },
    max_depth: { type: 'integer', minimum: 0 },
  },
  { required: ['attribute_filters', 'attributes_to_return'], additionalProperties: false, title: 'QuerySpansRequest' },
);

const querySpansResponse = object({ data: { type: 'array', items: ref('Span') } }, { required: ['data'], title: 'QuerySpansResponse' });

const getSpanTreeRequest = object(
  {
    attributes_to_return: { type: 'array', items: text },
    max_depth: { type: 'integer', minimum: 0 },
  },
  { additionalProperties: false, title: 'GetSpanTreeRequest' },
);

const querySpanTreeResponse = object(
  { data: { type: 'object', additionalProperties: ref('SpanWithStatus'), description: 'The spans of the tree by span id.' } },
  { required: ['data'], title: 'QuerySpanTreeResponse' },
);

const eventCommon: Record<string, JsonSchema> = {
  trace_id: text,
  span_id: text,
  timestamp: dateTime,
  attributes: { type: 'object', additionalProperties: scalar },
};

const telemetryEvent: JsonSchema = {
  type: 'object',
  required: ['type'],
  description: 'An event: an unstructured log line, a metric, or a span start or end.',
  oneOf: [
    object(
      { ...eventCommon, type: { type: 'string', const: 'unstructured_log' }, message: text, severity: { type: 'string', enum: ['verbose', 'debug', 'info', 'warn', 'error', 'critical'] } },
      { required: ['trace_id', 'span_id', 'timestamp', 'type', 'message', 'severity'], additionalProperties: false },
    ),
    object(
      { ...eventCommon, type: { type: 'string', const: 'metric' }, metric: text, value: { type: 'number' }, unit: text },
      { required: ['trace_id', 'span_id', 'timestamp', 'type', 'metric', 'value', 'unit'], additionalProperties: false },
    ),
    object(
      {
        ...eventCommon,
        type: { type: 'string', const: 'structured_log' },
        payload: {
          type: 'object',
          required: ['type'],
          oneOf: [
            object({ type: { type: 'string', const: 'span_start' }, name: text, parent_span_id: text }, { required: ['type', 'name'], additionalProperties: false }),
            object({ type: { type: 'string', const: 'span_end' }, status: { type: 'string', enum: ['ok', 'error'] } }, { required: ['type', 'status'], additionalProperties: false }),
          ],
          discriminator: { propertyName: 'type' },
        },
      },
      { required: ['trace_id', 'span_id', 'timestamp', 'type', 'payload'], additionalProperties: false },
    ),
  ],
  discriminator: { propertyName: 'type' },
};

const logEventRequest = object(
  { event: ref('TelemetryEvent'), ttl_seconds: { type: 'integer', minimum: 0 } },
  { required: ['event', 'ttl_seconds'], additionalProperties: false, title: 'LogEventRequest' },
);

const prometheusText: JsonSchema = { type: 'string', title: 'PrometheusText', description: 'Metrics in Prometheus\' text exposition format (text/plain; version=0.0.4).' };

export const telemetrySchemas: Record<string, JsonSchema> = {
  Trace: trace,
  Span: span,
  SpanWithStatus: spanWithStatus,
  QueryCondition: queryCondition,
  QueryTracesRequest: queryTracesRequest,
  QueryTracesResponse: queryTracesResponse,
  QuerySpansRequest: querySpansRequest,
  QuerySpansResponse: querySpansResponse,
  GetSpanTreeRequest: getSpanTreeRequest,
  QuerySpanTreeResponse: querySpanTreeResponse,
  TelemetryEvent: telemetryEvent,
  LogEventRequest: logEventRequest,
  PrometheusText: prometheusText,
};
