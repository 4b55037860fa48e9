import type { Attributes, AttributeValue, SpanKind, SpanStatusCode } from '@opentelemetry/api';

/** Epoch milliseconds with a fraction (performance.timeOrigin + performance.now(): sub-microsecond). */
export type EpochMs = number;

/** Epoch ms as OpenTelemetry's HrTime [seconds, nanoseconds], rounded to the nanosecond. */
export function hrTime(ms: EpochMs): [number, number] {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(Math.round((ms - seconds * 1000) * 1e6), 999_999_999)];
}

/** An event of a span (`addEvent`, `recordException`). */
export interface SpanEventRecord {
  name: string;
  timeMs: EpochMs;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** A link of a span to another span. */
export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  traceState: string | undefined;
  traceFlags: number;
  /** Whether the linked span's context came from another process (a `traceparent`). */
  isRemote: boolean;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** The instrumentation scope that made a span (its tracer's name and version). */
export interface ScopeRecord {
  name: string;
  version: string | undefined;
}

/**
 * An ended span as the OTLP encoders read it: ids in lowercase hex, times in epoch ms, kinds and
 * status codes as @opentelemetry/api numbers them (the encoders map them to OTLP's).
 */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  /** The parent's span id, undefined for a root span. */
  readonly parentSpanId: string | undefined;
  /** Whether the parent is in another process (it came in a `traceparent` header). */
  readonly parentIsRemote: boolean;
  /** The W3C `tracestate` header value, if any. */
  readonly traceState: string | undefined;
  readonly traceFlags: number;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startMs: EpochMs;
  readonly endMs: EpochMs;
  /**
   * The attributes' keys in the order they were first set, and their values at the same indexes:
   * two arrays are cheaper to grow and to read than an object whose shape changes with each key.
   */
  readonly attributeKeys: readonly string[];
  readonly attributeValues: readonly (AttributeValue | undefined)[];
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEventRecord[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLinkRecord[];
  readonly droppedLinksCount: number;
  readonly statusCode: SpanStatusCode;
  readonly statusMessage: string | undefined;
  readonly scope: ScopeRecord;
  /**
   * Where the ids' bytes already are, for ids Cria's tracer made from random bytes (the hex ids
   * spell them): the OTLP/protobuf encoder copies them instead of decoding the hex. Undefined
   * (and at -1) for an id it did not make, a caller's `traceparent`'s.
   */
  readonly traceIdBytes?: Uint8Array;
  readonly traceIdAt?: number;
  readonly spanIdBytes?: Uint8Array;
  readonly spanIdAt?: number;
  readonly parentIdBytes?: Uint8Array;
  readonly parentIdAt?: number;
}

/** A span's attributes as one object (for the trace store and the console). */
export function spanAttributes(span: SpanRecord): Attributes {
  const attributes: Attributes = {};
  const keys = span.attributeKeys;
  for (let i = 0; i < keys.length; i++) attributes[keys[i]!] = span.attributeValues[i]!;
  return attributes;
}
