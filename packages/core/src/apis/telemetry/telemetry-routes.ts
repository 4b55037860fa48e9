import { Readable } from 'node:stream';
import { routesOf } from '@cria/api';

const route = routesOf('telemetry');

/** Prometheus' scrape route, and Llama Stack 0.2's telemetry routes (events and trace queries). */
export const telemetryRoutes = [
  route({
    method: 'GET',
    path: '/metrics',
    operation: 'prometheusMetrics',
    summary: 'The server\'s metrics in Prometheus\' text format: requests by route and status, latency, time to first token, tokens per model and provider, upstream errors.',
    response: 'PrometheusText',
    responseContentType: 'text/plain; version=0.0.4; charset=utf-8',
    async handler({ api }) {
      const metrics = await api.prometheusMetrics();
      return { stream: Readable.from([Buffer.from(metrics.body)]), contentType: metrics.contentType };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/telemetry/events',
    operation: 'logEvent',
    summary: 'Log an event (an unstructured log line, a metric, or a span start or end) into the trace store.',
    requestBody: 'LogEventRequest',
    response: 'NullResponse',
    async handler({ body, api }) {
      await api.logEvent(body);
      return { json: null };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/telemetry/traces',
    operation: 'queryTraces',
    summary: 'Query traces: conditions on the root span\'s attributes, limit, offset, order.',
    requestBody: 'QueryTracesRequest',
    response: 'QueryTracesResponse',
    async handler({ body, api }) {
      return { json: await api.queryTraces(body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/telemetry/traces/{trace_id}',
    operation: 'getTrace',
    summary: 'One trace.',
    response: 'Trace',
    async handler({ params, api }) {
      return { json: await api.getTrace(params.trace_id!) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/telemetry/traces/{trace_id}/spans/{span_id}',
    operation: 'getSpan',
    summary: 'One span of a trace.',
    response: 'Span',
    async handler({ params, api }) {
      return { json: await api.getSpan(params.trace_id!, params.span_id!) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/telemetry/spans/{span_id}/tree',
    operation: 'getSpanTree',
    summary: 'A span and its descendants (to max_depth), by span id, with the attributes asked for.',
    requestBody: 'GetSpanTreeRequest',
    response: 'QuerySpanTreeResponse',
    async handler({ params, body, api }) {
      return { json: await api.getSpanTree(params.span_id!, body) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/telemetry/spans',
    operation: 'querySpans',
    summary: 'Query spans: the traces whose root span matches the conditions, their spans to max_depth, with the attributes asked for.',
    requestBody: 'QuerySpansRequest',
    response: 'QuerySpansResponse',
    async handler({ body, api }) {
      return { json: await api.querySpans(body) };
    },
  }),
];
