import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { RequestTracing } from './telemetry-tracing.js';

describe('RequestTracing', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs ended spans in the SDK console exporter\'s shape with the console sink', async () => {
    const logged = vi.spyOn(console, 'dir').mockImplementation(() => undefined);
    const tracing = await RequestTracing.start({ serviceName: 'console-test', serviceVersion: '1.0.0', otlp: null, console: true, sinks: [] });
    try {
      const parent = trace.getTracer('scope-a', '2.0.0').startSpan('parent', { kind: SpanKind.SERVER });
      const child = trace.getTracer('scope-a', '2.0.0').startSpan('child', { attributes: { answer: 42 } }, trace.setSpan(ROOT_CONTEXT, parent));
      child.addEvent('step');
      child.end();
      parent.end();
      await tracing.forceFlush();
      const [childLine, parentLine] = logged.mock.calls.map((call) => call[0] as Record<string, unknown>);
      expect(childLine).toMatchObject({ name: 'child', parentSpanContext: { spanId: parent.spanContext().spanId }, attributes: { answer: 42 }, instrumentationScope: { name: 'scope-a', version: '2.0.0' }, kind: SpanKind.INTERNAL });
      expect((childLine!.events as { name: string }[]).map((event) => event.name)).toEqual(['step']);
      expect(childLine!.traceId).toBe(parent.spanContext().traceId);
      expect(typeof childLine!.duration).toBe('number');
      expect(parentLine).toMatchObject({ name: 'parent', kind: SpanKind.SERVER, resource: { attributes: { 'service.name': 'console-test', 'service.version': '1.0.0' } } });
    } finally {
      await tracing.shutdown();
    }
  });
});
