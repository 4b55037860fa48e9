import { randomBytes } from 'node:crypto';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context as contextApi,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type TimeInput,
  trace,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  type TraceState,
} from '@opentelemetry/api';
import { isTracingSuppressed, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { EpochMs, ScopeRecord, SpanEventRecord, SpanLinkRecord, SpanRecord } from './span-record.js';

/** Where ended spans go (the batch processor of an exporter, the trace store). */
export interface SpanSink {
  onEnd(span: RecordingSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** OpenTelemetry's span limits (OTEL_SPAN_* / OTEL_ATTRIBUTE_* variables; 128 and no length limit by default). */
export interface SpanLimits {
  attributeCount: number;
  attributeValueLength: number;
  eventCount: number;
  linkCount: number;
  attributePerEventCount: number;
  attributePerLinkCount: number;
}

export function spanLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SpanLimits {
  const read = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && env[name] !== '' && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  const attributeCount = read('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', read('OTEL_ATTRIBUTE_COUNT_LIMIT', 128));
  return {
    attributeCount,
    attributeValueLength: read('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', read('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity)),
    eventCount: read('OTEL_SPAN_EVENT_COUNT_LIMIT', 128),
    linkCount: read('OTEL_SPAN_LINK_COUNT_LIMIT', 128),
    attributePerEventCount: read('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 128),
    attributePerLinkCount: read('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 128),
  };
}

/**
 * Trace and span ids sliced from the hex of 4 KiB of random bytes (one conversion per 256
 * spans: a request makes four ids or more, and a Buffer's toString per id costs ~1 µs).
 */
class IdPool {
  private hex = '';
  private offset = 0;
  /** The random bytes `hex` spells (a new array when they run out: ids made before keep theirs). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Where the id returned last starts in `bytes`. */
  at = 0;

  traceId(): string {
    return this.next(32, INVALID_TRACE_ID);
  }

  spanId(): string {
    return this.next(16, INVALID_SPAN_ID);
  }

  private next(length: number, invalid: string): string {
    if (this.offset + length > this.hex.length) {
      const bytes = randomBytes(4096);
      this.bytes = bytes;
      this.hex = bytes.toString('hex');
      this.offset = 0;
    }
    const start = this.offset;
    const id = this.hex.slice(start, (this.offset += length));
    // All zeros is invalid in W3C trace context: 2^-64 at worst, but never sent.
    if (id === invalid) return this.next(length, invalid);
    this.at = start >>> 1;
    return id;
  }
}

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

const timeOrigin = performance.timeOrigin;

function now(): EpochMs {
  return timeOrigin + performance.now();
}

/** A TimeInput as epoch ms: numbers below the time origin are `performance.now()` readings, as the SDK takes them. */
function epochMs(time: TimeInput): EpochMs {
  if (typeof time === 'number') return time < timeOrigin ? timeOrigin + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number');
}

function isPrimitive(value: unknown): value is string | number | boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

/** A valid attribute value, truncated to the length limit; undefined for what OpenTelemetry does not accept. */
function attributeValue(value: unknown, maxLength: number): AttributeValue | undefined {
  if (typeof value === 'string') return value.length > maxLength ? value.slice(0, maxLength) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (!Array.isArray(value)) return undefined;
  // Arrays are copied (the caller may change its own) unless frozen, of one primitive type, nulls allowed.
  let type: string | undefined;
  for (const item of value) {
    if (item === null || item === undefined) continue;
    if (!isPrimitive(item) || (type !== undefined && typeof item !== type)) return undefined;
    type = typeof item;
  }
  if (type === 'string' && Number.isFinite(maxLength)) return value.map((item: unknown) => (typeof item === 'string' && item.length > maxLength ? item.slice(0, maxLength) : item)) as AttributeValue;
  return (Object.isFrozen(value) ? value : value.slice()) as AttributeValue;
}

/** The valid attributes of an event or a link, within a count limit, and how many were dropped past it. */
function limitedAttributes(source: Attributes | undefined, limit: number, maxLength: number): { attributes: Attributes; dropped: number } {
  const attributes: Attributes = {};
  let count = 0;
  let dropped = 0;
  for (const key in source) {
    const value = attributeValue(source[key], maxLength);
    if (value === undefined) continue;
    if (count < limit) {
      attributes[key] = value;
      count++;
    } else dropped++;
  }
  return { attributes, dropped };
}

const NO_EVENTS: readonly SpanEventRecord[] = Object.freeze([]);
const NO_LINKS: readonly SpanLinkRecord[] = Object.freeze([]);

/**
 * A recording span: the @opentelemetry/api Span the instrumentation calls, kept as the plain
 * fields the OTLP encoders and the trace store read (`SpanRecord`), so making one costs a few
 * property writes and ending it a push to its sinks.
 */
export class RecordingSpan implements Span, SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly parentIsRemote: boolean;
  readonly traceFlags: number;
  readonly traceState: string | undefined;
  name: string;
  readonly kind: SpanKind;
  readonly startMs: EpochMs;
  endMs: EpochMs = 0;
  readonly attributeKeys: string[] = [];
  readonly attributeValues: AttributeValue[] = [];
  droppedAttributesCount = 0;
  events: readonly SpanEventRecord[] = NO_EVENTS;
  droppedEventsCount = 0;
  links: readonly SpanLinkRecord[] = NO_LINKS;
  droppedLinksCount = 0;
  statusCode: SpanStatusCode = SpanStatusCode.UNSET;
  statusMessage: string | undefined = undefined;
  readonly scope: ScopeRecord;
  readonly traceIdBytes: Uint8Array | undefined;
  readonly traceIdAt: number;
  readonly spanIdBytes: Uint8Array;
  readonly spanIdAt: number;
  readonly parentIdBytes: Uint8Array | undefined;
  readonly parentIdAt: number;
  private ended = false;
  private context: SpanContext | undefined;

  /**
   * @param traceIdBytes where the trace id's bytes are, when this tracer made it (else undefined, at -1)
   * @param localParent the parent when this tracer made it (its span id's bytes are known)
   */
  constructor(
    private readonly tracer: RecordingTracer,
    name: string,
    traceId: string,
    traceIdBytes: Uint8Array | undefined,
    traceIdAt: number,
    parent: SpanContext | undefined,
    localParent: RecordingSpan | undefined,
    traceFlags: number,
    private readonly traceStateObject: TraceState | undefined,
    options: SpanOptions,
  ) {
    const ids = tracer.provider.ids;
    this.traceId = traceId;
    this.traceIdBytes = traceIdBytes;
    this.traceIdAt = traceIdAt;
    this.spanId = ids.spanId();
    this.spanIdBytes = ids.bytes;
    this.spanIdAt = ids.at;
    this.parentSpanId = parent?.spanId;
    this.parentIdBytes = localParent?.spanIdBytes;
    this.parentIdAt = localParent === undefined ? -1 : localParent.spanIdAt;
    this.parentIsRemote = parent?.isRemote === true;
    this.traceFlags = traceFlags;
    this.traceState = traceStateObject?.serialize() || undefined;
    this.name = name;
    this.kind = options.kind ?? SpanKind.INTERNAL;
    this.startMs = options.startTime === undefined ? now() : epochMs(options.startTime);
    this.scope = tracer.scope;
    if (options.attributes) this.startAttributes(options.attributes);
    if (options.links) this.addLinks(options.links);
  }

  spanContext(): SpanContext {
    if (this.context === undefined) {
      this.context = { traceId: this.traceId, spanId: this.spanId, traceFlags: this.traceFlags };
      if (this.traceStateObject) this.context.traceState = this.traceStateObject;
    }
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.ended || !key) return this;
    const limits = this.tracer.provider.limits;
    const accepted = attributeValue(value, limits.attributeValueLength);
    if (accepted === undefined) return this;
    const keys = this.attributeKeys;
    // A loop, not indexOf: a span has a few keys, and the builtin's call costs more than the search.
    let at = 0;
    while (at < keys.length && keys[at] !== key) at++;
    if (at < keys.length) this.attributeValues[at] = accepted;
    else if (keys.length >= limits.attributeCount) this.droppedAttributesCount++;
    else {
      keys.push(key);
      this.attributeValues.push(accepted);
    }
    return this;
  }

  /**
   * The attributes given at the start: appended without a search for duplicates (an object's
   * keys are unique) when they are all primitives within the limits, the common case.
   */
  private startAttributes(attributes: Attributes): void {
    const limits = this.tracer.provider.limits;
    const keys = this.attributeKeys;
    const values = this.attributeValues;
    for (const key in attributes) {
      const value = attributes[key];
      const type = typeof value;
      if (!key || !(type === 'number' || type === 'boolean' || (type === 'string' && (value as string).length <= limits.attributeValueLength)) || keys.length >= limits.attributeCount) {
        // The rest one by one; those already taken are found again and kept as they are.
        this.setAttributes(attributes);
        return;
      }
      keys.push(key);
      values.push(value as AttributeValue);
    }
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]!);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const limits = this.tracer.provider.limits;
    if (limits.eventCount === 0) {
      this.droppedEventsCount++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time = attributesOrTime;
    else attributes = attributesOrTime;
    const limited = limitedAttributes(attributes, limits.attributePerEventCount, limits.attributeValueLength);
    const event: SpanEventRecord = { name, timeMs: time === undefined ? now() : epochMs(time), attributes: limited.attributes, droppedAttributesCount: limited.dropped };
    const events = this.events === NO_EVENTS ? [] : (this.events as SpanEventRecord[]);
    // Past the limit the oldest event goes, as the SDK does.
    if (events.length >= limits.eventCount) {
      events.shift();
      this.droppedEventsCount++;
    }
    events.push(event);
    this.events = events;
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    const limits = this.tracer.provider.limits;
    if (this.links.length >= limits.linkCount) {
      this.droppedLinksCount++;
      return this;
    }
    const limited = limitedAttributes(link.attributes, limits.attributePerLinkCount, limits.attributeValueLength);
    const record: SpanLinkRecord = {
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      traceState: link.context.traceState?.serialize() || undefined,
      traceFlags: link.context.traceFlags,
      isRemote: link.context.isRemote === true,
      attributes: limited.attributes,
      droppedAttributesCount: (link.droppedAttributesCount ?? 0) + limited.dropped,
    };
    const links = this.links === NO_LINKS ? [] : (this.links as SpanLinkRecord[]);
    links.push(record);
    this.links = links;
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** UNSET changes nothing and OK is final; a message is kept for ERROR only, as in the SDK. */
  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.statusCode === SpanStatusCode.OK) return this;
    this.statusCode = status.code;
    this.statusMessage = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? status.message : undefined;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const endMs = endTime === undefined ? now() : epochMs(endTime);
    this.endMs = endMs < this.startMs ? this.startMs : endMs;
    for (const sink of this.tracer.provider.sinks) sink.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** The resource of the server that made the span (the SDK's batch processor reads it). */
  get resource(): Resource {
    return this.tracer.provider.resource;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] !== undefined || attributes['exception.message'] !== undefined) this.addEvent('exception', attributes, time);
  }
}

/** A tracer of one instrumentation scope. */
class RecordingTracer implements Tracer {
  readonly scope: ScopeRecord;

  constructor(
    readonly provider: RecordingTracerProvider,
    name: string,
    version: string | undefined,
  ) {
    this.scope = { name, version };
  }

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    const parentSpan = options.root ? undefined : trace.getSpan(context);
    let validParent: SpanContext | undefined;
    // A parent made here is valid by construction; another (a caller's traceparent) has its ids checked.
    if (parentSpan instanceof RecordingSpan) validParent = parentSpan.spanContext();
    else {
      const parent = parentSpan?.spanContext();
      validParent = parent && trace.isSpanContextValid(parent) ? parent : undefined;
    }
    const localParent = validParent !== undefined && parentSpan instanceof RecordingSpan ? parentSpan : undefined;
    let traceId: string;
    let traceIdBytes: Uint8Array | undefined;
    let traceIdAt = -1;
    if (validParent === undefined) {
      const ids = this.provider.ids;
      traceId = ids.traceId();
      traceIdBytes = ids.bytes;
      traceIdAt = ids.at;
    } else {
      traceId = validParent.traceId;
      if (localParent !== undefined) {
        traceIdBytes = localParent.traceIdBytes;
        traceIdAt = localParent.traceIdAt;
      }
    }
    let traceState = validParent?.traceState;
    let sampled: boolean;
    let recording: boolean;
    const sampler = this.provider.sampler;
    if (sampler === null) {
      // The default sampler (parentbased_always_on): a root is sampled, a child as its parent.
      sampled = validParent === undefined || (validParent.traceFlags & TraceFlags.SAMPLED) !== 0;
      recording = sampled;
    } else {
      const result = sampler.shouldSample(options.root ? trace.deleteSpan(context) : context, traceId, name, options.kind ?? SpanKind.INTERNAL, options.attributes ?? {}, options.links ?? []);
      // RECORD_AND_SAMPLED = 2, RECORD = 1, NOT_RECORD = 0.
      sampled = result.decision === 2;
      recording = result.decision !== 0;
      if (result.traceState) traceState = result.traceState;
      if (recording && result.attributes) options = { ...options, attributes: { ...options.attributes, ...result.attributes } };
    }
    const traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
    if (!recording) return trace.wrapSpanContext({ traceId, spanId: this.provider.ids.spanId(), traceFlags, ...(traceState ? { traceState } : {}) });
    return new RecordingSpan(this, name, traceId, traceIdBytes, traceIdAt, validParent, localParent, traceFlags, traceState, options);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(trace.setSpan(parent, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * The tracer provider of a server with tracing on: spans are `RecordingSpan`s handed to the sinks
 * when they end. It stands in for the OpenTelemetry SDK's, whose spans cost several times more
 * to make (attribute sanitising, HrTime arithmetic, a resource and scope per span); the exporters,
 * their batching and their OTEL_* settings are the SDK's.
 */
export class RecordingTracerProvider implements TracerProvider {
  readonly ids = new IdPool();
  private readonly tracers = new Map<string, RecordingTracer>();

  /**
   * @param sampler null for the default (parentbased_always_on), else the SDK sampler OTEL_TRACES_SAMPLER names.
   */
  constructor(
    readonly sinks: readonly SpanSink[],
    readonly sampler: Sampler | null,
    readonly resource: Resource,
    readonly limits: SpanLimits = spanLimitsFromEnv(),
  ) {}

  getTracer(name: string, version?: string): Tracer {
    const key = version === undefined ? name : `${name}@${version}`;
    let tracer = this.tracers.get(key);
    if (!tracer) this.tracers.set(key, (tracer = new RecordingTracer(this, name, version)));
    return tracer;
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.shutdown()));
  }
}

/**
 * W3C trace context and baggage, as the SDK's composite of its W3CTraceContextPropagator and
 * W3CBaggagePropagator propagates them, with a shortcut for a span this tracer made: its ids are
 * valid by construction, so its `traceparent` is written without the SDK's validation of them
 * (two regular expressions) and its composite's loop. The upstream client injects on every call.
 */
export class TraceContextPropagator implements TextMapPropagator {
  private readonly traceContext = new W3CTraceContextPropagator();
  private readonly baggage = new W3CBaggagePropagator();

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpan(context);
    if (span instanceof RecordingSpan) {
      if (!isTracingSuppressed(context)) {
        setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-${span.traceFlags === TraceFlags.SAMPLED ? '01' : `0${span.traceFlags.toString(16)}`}`);
        const traceState = span.spanContext().traceState;
        if (traceState) setter.set(carrier, 'tracestate', traceState.serialize());
      }
    } else this.traceContext.inject(context, carrier, setter);
    this.baggage.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.baggage.extract(this.traceContext.extract(context, carrier, getter), carrier, getter);
  }

  fields(): string[] {
    return [...this.traceContext.fields(), ...this.baggage.fields()];
  }
}
