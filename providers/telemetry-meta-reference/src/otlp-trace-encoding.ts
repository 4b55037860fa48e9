import type { Attributes } from '@opentelemetry/api';
import { type EpochMs, hrTime, type ScopeRecord, type SpanEventRecord, type SpanLinkRecord, type SpanRecord, spanAttributes } from './span-record.js';

// Hand-written OTLP trace encoders. They emit the same messages as @opentelemetry/otlp-transformer's
// ProtobufTraceSerializer and JsonTraceSerializer (same fields, same defaults written, same order)
// at a fraction of their cost, straight from SpanRecords.

// OTLP span flags: the W3C trace flags in the low byte, then whether the parent's (a link's target's)
// `isRemote` is known and whether it is set. The SDK always says known.
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

/** The boundaries of AnyValue.int_value (int64), as the SDK chooses int vs double. */
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

const INITIAL_SIZE = 64 * 1024;
/** Past this size (one large request), the next request starts again from INITIAL_SIZE. */
const MAX_KEPT_SIZE = 1024 * 1024;
/** Strings up to this length are copied by a JS loop when ASCII: cheaper than a call into utf8Write. */
const ASCII_LOOP_MAX = 128;

/** Bounds of the cache of encoded attribute keys and key-value pairs (cleared when full). */
const KEY_CACHE_SIZE = 1024;
const KEY_CACHE_MAX_LENGTH = 128;
const PAIR_CACHE_SIZE = 4096;
/** Only string values up to this length have their key-value pair cached (and only integers in [0, 2^32)). */
const PAIR_VALUE_MAX_LENGTH = 64;
/**
 * Values cached per key: past it a key's new values are encoded uncached, so that a key with a new
 * value on every span (a request id) neither allocates per span nor keeps clearing the cache.
 */
const PAIRS_PER_KEY = 16;
/** Misses in a row, once a key's values are full, after which its values are no longer looked up. */
const MISSES_BEFORE_UNCACHED = 64;

/** An attribute key's encodings. */
interface KeyEntry {
  /** KeyValue.key, tag included. */
  readonly key: Uint8Array;
  /**
   * Values whose whole KeyValue message is cached (length included, not the tag, which depends on
   * the parent), and the messages at the same indexes. Found by `===`, not a Map: a value is most
   * often a string made for the request (a model read from its body), which a Map would hash on
   * every lookup. `===` tells 200 from '200' and true from 'true'; it takes -0 for 0, which are
   * encoded alike.
   */
  readonly values: (string | number | boolean)[];
  readonly pairs: Uint8Array[];
  /** The index of the last value found, tried first. */
  last: number;
  /** Misses in a row since the values filled up. */
  misses: number;
}

let buf = Buffer.allocUnsafe(INITIAL_SIZE);
let pos = 0;
const keyCache = new Map<string, KeyEntry>();
let pairCount = 0;

/** OTLP/protobuf bytes of an ExportTraceServiceRequest: one ResourceSpans with `resource`'s attributes, one ScopeSpans per instrumentation scope (in first-seen order), the spans in the given order. */
export function encodeTraceExportProtobuf(resource: Attributes, spans: readonly SpanRecord[]): Uint8Array {
  // The SDK sends an empty request (no ResourceSpans) for an empty batch.
  if (spans.length === 0) return new Uint8Array(0);
  pos = 0;
  ensure(16);
  buf[pos++] = 0x0a; // resource_spans = 1
  const resourceSpans = beginMessage(3);
  buf[pos++] = 0x0a; // resource = 1
  const resourceMessage = beginMessage(2);
  writeAttributes(0x0a, resource); // attributes = 1
  ensure(2);
  buf[pos++] = 0x10; // dropped_attributes_count = 2
  buf[pos++] = 0;
  endMessage(resourceMessage, 2);
  for (const group of groupByScope(spans)) {
    ensure(8);
    buf[pos++] = 0x12; // scope_spans = 2
    const scopeSpans = beginMessage(3);
    writeScope(group[0]!.scope);
    for (const span of group) writeSpan(span);
    endMessage(scopeSpans, 3);
  }
  endMessage(resourceSpans, 3);
  // Handed out as written (the exporter sends it later), not copied; the next request gets a new
  // buffer of this one's size, which a batch like this one fills without growing it.
  const out = buf.subarray(0, pos);
  buf = Buffer.allocUnsafe(buf.length > MAX_KEPT_SIZE ? INITIAL_SIZE : buf.length);
  return out;
}

/** The same request in OTLP/JSON (as the SDK's JSON exporter sends it), as UTF-8 bytes. */
export function encodeTraceExportJson(resource: Attributes, spans: readonly SpanRecord[]): Uint8Array {
  const resourceSpans =
    spans.length === 0
      ? []
      : [
          {
            resource: { attributes: jsonAttributes(resource), droppedAttributesCount: 0 },
            scopeSpans: groupByScope(spans).map((group) => ({
              scope: { name: group[0]!.scope.name, version: group[0]!.scope.version },
              spans: group.map(jsonSpan),
            })),
          },
        ];
  return Buffer.from(JSON.stringify({ resourceSpans }), 'utf8');
}

/** Spans grouped by instrumentation scope (name and version), groups in first-seen order. */
function groupByScope(spans: readonly SpanRecord[]): readonly (readonly SpanRecord[])[] {
  const first = spans[0]!.scope;
  let i = 1;
  while (i < spans.length && sameScope(spans[i]!.scope, first)) i++;
  if (i === spans.length) return [spans];
  const groups: SpanRecord[][] = [spans.slice(0, i)];
  for (; i < spans.length; i++) {
    const span = spans[i]!;
    const group = groups.find((g) => sameScope(g[0]!.scope, span.scope));
    if (group) group.push(span);
    else groups.push([span]);
  }
  return groups;
}

function spanFlags(span: SpanRecord): number {
  return (span.traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (span.parentIsRemote ? FLAGS_IS_REMOTE : 0);
}

function sameScope(a: ScopeRecord, b: ScopeRecord): boolean {
  return a === b || (a.name === b.name && (a.version || '') === (b.version || ''));
}

// --- protobuf -------------------------------------------------------------------------------

function ensure(bytes: number): void {
  if (pos + bytes <= buf.length) return;
  const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + bytes));
  buf.copy(grown, 0, 0, pos);
  buf = grown;
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/**
 * Reserves `reserved` bytes for the length of a nested message (its expected varint size) and
 * returns where it starts; endMessage writes the length, moving the content when it needs more or
 * fewer bytes.
 */
function beginMessage(reserved: number): number {
  ensure(reserved);
  const at = pos;
  pos += reserved;
  return at;
}

function endMessage(at: number, reserved: number): void {
  const length = pos - at - reserved;
  const size = varintSize(length);
  if (size !== reserved) {
    if (size > reserved) ensure(size - reserved);
    buf.copyWithin(at + size, at + reserved, pos);
    pos += size - reserved;
  }
  let value = length;
  while (value > 0x7f) {
    buf[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[at] = value;
}

/** A varint of an unsigned 32-bit value; room must have been ensured. */
function putVarint(value: number): void {
  value >>>= 0;
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
}

/** An int64 varint of an integer in [-2^63, 2^63): negatives take 10 bytes (two's complement). */
function putInt64(value: number): void {
  if (value >= 0 && value <= 0xffffffff) return putVarint(value);
  const magnitude = Math.abs(value);
  let low = magnitude % 0x100000000;
  let high = (magnitude - low) / 0x100000000;
  if (value < 0) {
    low = (~low + 1) >>> 0;
    high = (~high + (low === 0 ? 1 : 0)) >>> 0;
  }
  while (high !== 0 || low > 0x7f) {
    buf[pos++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  buf[pos++] = low;
}

function putFixed32(value: number): void {
  buf[pos++] = value & 0xff;
  buf[pos++] = (value >>> 8) & 0xff;
  buf[pos++] = (value >>> 16) & 0xff;
  buf[pos++] = (value >>> 24) & 0xff;
}

/**
 * Epoch ms as fixed64 unix nanos, rounded to the nanosecond as an HrTime [seconds, nanos] would be.
 * seconds * 1e9 overflows 2^53, so it is computed as (seconds * 5^9) * 2^9 split into 32-bit halves
 * (seconds * 5^9 stays exact until 2116).
 */
function putTime(ms: EpochMs): void {
  const [seconds, nanos] = hrTime(ms);
  const scaled = seconds * 1953125;
  const scaledLow = scaled % 0x800000;
  let low = scaledLow * 512 + nanos;
  let high = (scaled - scaledLow) / 0x800000;
  if (low >= 0x100000000) {
    low -= 0x100000000;
    high += 1;
  }
  putFixed32(low);
  putFixed32(high);
}

/** A length-delimited UTF-8 string (its tag already written). */
function writeString(value: string): void {
  const n = value.length;
  if (n <= ASCII_LOOP_MAX) {
    // Try ASCII first, leaving room for a length of n bytes; a non-ASCII string is written again below.
    ensure(n + 2);
    const b = buf;
    let p = pos + (n < 0x80 ? 1 : 2);
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) break;
      b[p++] = c;
    }
    if (i === n) {
      putVarint(n);
      pos += n;
      return;
    }
  }
  const length = Buffer.byteLength(value, 'utf8');
  ensure(length + 5);
  putVarint(length);
  pos += buf.write(value, pos);
}

const HEX_DIGITS = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  HEX_DIGITS['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_DIGITS['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** A length-delimited bytes field from a hex id (its tag already written). */
function writeHexBytes(hex: string): void {
  const n = hex.length >>> 1;
  ensure(n + 5);
  putVarint(n);
  const b = buf;
  let p = pos;
  for (let i = 0; i < 2 * n; i += 2) {
    b[p++] = (HEX_DIGITS[hex.charCodeAt(i) & 0x7f]! << 4) | HEX_DIGITS[hex.charCodeAt(i + 1) & 0x7f]!;
  }
  pos = p;
}

/**
 * A length-delimited bytes field of an id (its tag already written): copied from where the
 * tracer's random bytes hold it when `bytes` is given, else decoded from its hex.
 */
function writeId(hex: string, bytes: Uint8Array | undefined, at: number | undefined): void {
  if (bytes === undefined || at === undefined || at < 0) return writeHexBytes(hex);
  const n = hex.length >>> 1;
  ensure(n + 1);
  const b = buf;
  let p = pos;
  b[p++] = n;
  for (let i = at, end = at + n; i < end; i++) b[p++] = bytes[i]!;
  pos = p;
}

/** Bytes copied, room ensured: a call to `set` (a memmove) but for a few bytes, which a loop copies faster. */
function putBytes(bytes: Uint8Array): void {
  const n = bytes.length;
  if (n > 16) {
    buf.set(bytes, pos);
    pos += n;
    return;
  }
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
  pos = p;
}

/** One KeyValue per attribute with a value, under the given (one-byte) tag. */
function writeAttributes(tag: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value == null || !Object.hasOwn(attributes, key)) continue;
    writeKeyValue(tag, key, value);
  }
}

/**
 * A KeyValue under the given (one-byte) tag. Most attributes repeat on every span with the same
 * key and often the same value (a method, a route, a model, a flag, a status code), so keys and
 * pairs with a short string, a boolean or a small integer are cached encoded: copying bytes is
 * cheaper than writing the fields again.
 */
function writeKeyValue(tag: number, key: string, value: unknown): void {
  const entry = keyEntry(key);
  const cacheable = entry !== undefined && entry.misses < MISSES_BEFORE_UNCACHED && isCacheableValue(value);
  if (cacheable) {
    const pair = cachedPair(entry, value);
    if (pair !== undefined) {
      ensure(pair.length + 1);
      buf[pos++] = tag;
      putBytes(pair);
      return;
    }
  }
  ensure(2);
  buf[pos++] = tag;
  const keyValue = beginMessage(1);
  if (entry === undefined) {
    ensure(1);
    buf[pos++] = 0x0a; // key = 1
    writeString(key);
  } else {
    ensure(entry.key.length);
    putBytes(entry.key);
  }
  ensure(2);
  buf[pos++] = 0x12; // value = 2
  const anyValue = beginMessage(1);
  writeAnyValue(value);
  endMessage(anyValue, 1);
  endMessage(keyValue, 1);
  if (!cacheable) return;
  if (entry.values.length >= PAIRS_PER_KEY) entry.misses++;
  else if (pairCount >= PAIR_CACHE_SIZE) clearCaches();
  else {
    entry.values.push(value);
    entry.pairs.push(new Uint8Array(buf.subarray(keyValue, pos)));
    pairCount++;
  }
}

/** The cached KeyValue of `value` under the entry's key, if any. */
function cachedPair(entry: KeyEntry, value: string | number | boolean): Uint8Array | undefined {
  const values = entry.values;
  let at = entry.last;
  if (values[at] !== value) {
    at = values.indexOf(value);
    if (at < 0) return undefined;
    entry.last = at;
  }
  entry.misses = 0;
  return entry.pairs[at];
}

function isCacheableValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' ? value.length <= PAIR_VALUE_MAX_LENGTH : typeof value === 'boolean' || (typeof value === 'number' && value >>> 0 === value);
}

/** The cached encodings of a key, made on first use; undefined for a long key (not cached). */
function keyEntry(key: string): KeyEntry | undefined {
  const cached = keyCache.get(key);
  if (cached !== undefined || key.length > KEY_CACHE_MAX_LENGTH) return cached;
  if (keyCache.size >= KEY_CACHE_SIZE) clearCaches();
  // Encoded at the end of the buffer, past what is written, then copied out.
  const start = pos;
  ensure(1);
  buf[pos++] = 0x0a; // key = 1
  writeString(key);
  const entry: KeyEntry = { key: new Uint8Array(buf.subarray(start, pos)), values: [], pairs: [], last: 0, misses: 0 };
  pos = start;
  keyCache.set(key, entry);
  return entry;
}

function clearCaches(): void {
  keyCache.clear();
  pairCount = 0;
}

/** How many keys and key-value pairs the protobuf encoder has cached (for tests: the caches are bounded). */
export function protobufEncodingCacheSizes(): { keys: number; pairs: number } {
  return { keys: keyCache.size, pairs: pairCount };
}

/** The fields of an AnyValue (nothing for null, undefined and unsupported types: an empty value). */
function writeAnyValue(value: unknown): void {
  switch (typeof value) {
    case 'string':
      ensure(1);
      buf[pos++] = 0x0a; // string_value = 1
      writeString(value);
      return;
    case 'number':
      ensure(11);
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        buf[pos++] = 0x18; // int_value = 3
        putInt64(value);
      } else {
        buf[pos++] = 0x21; // double_value = 4
        buf.writeDoubleLE(value, pos);
        pos += 8;
      }
      return;
    case 'boolean':
      ensure(2);
      buf[pos++] = 0x10; // bool_value = 2
      buf[pos++] = value ? 1 : 0;
      return;
    case 'object':
      if (value === null) return;
      if (value instanceof Uint8Array) {
        ensure(value.length + 6);
        buf[pos++] = 0x3a; // bytes_value = 7
        putVarint(value.length);
        buf.set(value, pos);
        pos += value.length;
      } else if (Array.isArray(value)) {
        ensure(1);
        buf[pos++] = 0x2a; // array_value = 5
        const array = beginMessage(1);
        for (const item of value) {
          ensure(1);
          buf[pos++] = 0x0a; // values = 1
          const element = beginMessage(1);
          writeAnyValue(item);
          endMessage(element, 1);
        }
        endMessage(array, 1);
      } else {
        ensure(1);
        buf[pos++] = 0x32; // kvlist_value = 6
        const list = beginMessage(1);
        const object = value as Record<string, unknown>;
        for (const key in object) {
          if (Object.hasOwn(object, key)) writeKeyValue(0x0a, key, object[key]); // values = 1
        }
        endMessage(list, 1);
      }
  }
}

function writeScope(scope: ScopeRecord): void {
  ensure(1);
  buf[pos++] = 0x0a; // scope = 1
  const message = beginMessage(1);
  ensure(1);
  buf[pos++] = 0x0a; // name = 1
  writeString(scope.name);
  if (scope.version) {
    ensure(1);
    buf[pos++] = 0x12; // version = 2
    writeString(scope.version);
  }
  endMessage(message, 1);
}

/**
 * span_id = 2 and trace_state = 3: the same fields of a Span and of a Link, after their trace_id = 1.
 * Called with the fields rather than the object, so that its property reads do not see both shapes.
 */
function writeSpanIdAndState(spanId: string, spanIdBytes: Uint8Array | undefined, spanIdAt: number | undefined, traceState: string | undefined): void {
  ensure(1);
  buf[pos++] = 0x12; // span_id = 2
  writeId(spanId, spanIdBytes, spanIdAt);
  if (traceState) {
    ensure(1);
    buf[pos++] = 0x1a; // trace_state = 3
    writeString(traceState);
  }
}

function writeSpan(span: SpanRecord): void {
  ensure(64);
  buf[pos++] = 0x12; // ScopeSpans.spans = 2
  const message = beginMessage(2);
  ensure(1);
  buf[pos++] = 0x0a; // trace_id = 1
  writeId(span.traceId, span.traceIdBytes, span.traceIdAt);
  writeSpanIdAndState(span.spanId, span.spanIdBytes, span.spanIdAt, span.traceState);
  if (span.parentSpanId) {
    ensure(1);
    buf[pos++] = 0x22; // parent_span_id = 4
    writeId(span.parentSpanId, span.parentIdBytes, span.parentIdAt);
  }
  ensure(1);
  buf[pos++] = 0x2a; // name = 5
  writeString(span.name);
  ensure(32);
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    buf[pos++] = 0x30; // kind = 6
    putVarint(kind);
  }
  buf[pos++] = 0x39; // start_time_unix_nano = 7
  putTime(span.startMs);
  buf[pos++] = 0x41; // end_time_unix_nano = 8
  putTime(span.endMs);
  const keys = span.attributeKeys;
  const values = span.attributeValues;
  for (let i = 0; i < keys.length; i++) {
    const value = values[i];
    if (value != null) writeKeyValue(0x4a, keys[i]!, value); // attributes = 9
  }
  ensure(6);
  buf[pos++] = 0x50; // dropped_attributes_count = 10
  putVarint(span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(events[i]!);
  ensure(6);
  buf[pos++] = 0x60; // dropped_events_count = 12
  putVarint(span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(links[i]!);
  ensure(16);
  buf[pos++] = 0x70; // dropped_links_count = 14
  putVarint(span.droppedLinksCount);
  buf[pos++] = 0x7a; // status = 15
  const status = beginMessage(1);
  if (span.statusMessage) {
    buf[pos++] = 0x12; // message = 2
    writeString(span.statusMessage);
  }
  ensure(8);
  buf[pos++] = 0x18; // code = 3
  putVarint(span.statusCode);
  endMessage(status, 1);
  buf[pos++] = 0x85; // flags = 16 (fixed32): a two-byte tag
  buf[pos++] = 0x01;
  putFixed32(spanFlags(span));
  endMessage(message, 2);
}

function writeEvent(event: SpanEventRecord): void {
  ensure(12);
  buf[pos++] = 0x5a; // Span.events = 11
  const message = beginMessage(1);
  buf[pos++] = 0x09; // time_unix_nano = 1
  putTime(event.timeMs);
  ensure(1);
  buf[pos++] = 0x12; // name = 2
  writeString(event.name);
  writeAttributes(0x1a, event.attributes); // attributes = 3
  ensure(6);
  buf[pos++] = 0x20; // dropped_attributes_count = 4
  putVarint(event.droppedAttributesCount || 0);
  endMessage(message, 1);
}

function writeLink(link: SpanLinkRecord): void {
  ensure(4);
  buf[pos++] = 0x6a; // Span.links = 13
  const message = beginMessage(1);
  ensure(1);
  buf[pos++] = 0x0a; // trace_id = 1
  writeHexBytes(link.traceId);
  writeSpanIdAndState(link.spanId, undefined, undefined, link.traceState);
  writeAttributes(0x22, link.attributes); // attributes = 4
  ensure(11);
  buf[pos++] = 0x28; // dropped_attributes_count = 5
  putVarint(link.droppedAttributesCount || 0);
  buf[pos++] = 0x35; // flags = 6 (fixed32)
  putFixed32((link.traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (link.isRemote ? FLAGS_IS_REMOTE : 0));
  endMessage(message, 1);
}

// --- JSON -----------------------------------------------------------------------------------

/** Epoch ms as a decimal string of unix nanos, rounded as putTime rounds them. */
function jsonTime(ms: EpochMs): string {
  const [seconds, nanos] = hrTime(ms);
  return seconds === 0 ? String(nanos) : `${seconds}${String(nanos).padStart(9, '0')}`;
}

interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}

type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: number }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: JsonKeyValue[] } }
  | Record<string, never>;

function jsonAttributes(attributes: Attributes): JsonKeyValue[] {
  const out: JsonKeyValue[] = [];
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value != null) out.push({ key, value: jsonAnyValue(value) });
  }
  return out;
}

function jsonAnyValue(value: unknown): JsonAnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'number':
      return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object':
      if (value === null) return {};
      if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64') };
      if (Array.isArray(value)) return { arrayValue: { values: value.map(jsonAnyValue) } };
      return {
        kvlistValue: { values: Object.keys(value).map((key) => ({ key, value: jsonAnyValue((value as Record<string, unknown>)[key]) })) },
      };
    default:
      return {};
  }
}

// Property order follows the SDK's, so that both stringify to the same bytes.
function jsonSpan(span: SpanRecord) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId || undefined,
    traceState: span.traceState,
    name: span.name,
    kind: span.kind == null ? 0 : span.kind + 1,
    startTimeUnixNano: jsonTime(span.startMs),
    endTimeUnixNano: jsonTime(span.endMs),
    attributes: jsonAttributes(spanAttributes(span)),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      attributes: jsonAttributes(event.attributes),
      name: event.name,
      timeUnixNano: jsonTime(event.timeMs),
      droppedAttributesCount: event.droppedAttributesCount || 0,
    })),
    droppedEventsCount: span.droppedEventsCount,
    status: { code: span.statusCode, message: span.statusMessage },
    links: span.links.map((link) => ({
      attributes: jsonAttributes(link.attributes),
      spanId: link.spanId,
      traceId: link.traceId,
      traceState: link.traceState,
      droppedAttributesCount: link.droppedAttributesCount || 0,
      flags: (link.traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (link.isRemote ? FLAGS_IS_REMOTE : 0),
    })),
    droppedLinksCount: span.droppedLinksCount,
    flags: spanFlags(span),
  };
}
