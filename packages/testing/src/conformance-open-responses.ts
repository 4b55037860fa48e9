import { type ConformanceSpecName, conformanceChecker, describeSchemaError } from './conformance.js';

/** The event types that end a Responses stream. */
export const TERMINAL_RESPONSE_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

type ResponseEvent = Record<string, unknown>;

function schemaProblems(spec: ConformanceSpecName, schema: string, value: unknown): string[] {
  const validate = conformanceChecker().validator(spec, schema);
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${describeSchemaError(error)} [${spec} ${schema}]`);
}

const typeOf = (event: unknown): unknown => (event && typeof event === 'object' ? (event as ResponseEvent).type : undefined);
const label = (index: number, event: unknown): string => `event ${index} (${String(typeOf(event))})`;

/** What makes `response` not an Open Responses `ResponseResource`, one line each (`pointer: message [spec schema]`). */
export function openResponsesObjectProblems(response: unknown): string[] {
  return schemaProblems('open-responses', 'ResponseResource', response);
}

/**
 * What makes one stream event not conform: checked against Open Responses' schema of its `type`,
 * or, for the types Open Responses does not define (`response.mcp_call.in_progress`,
 * `response.file_search_call.searching`, ...), against Llama Stack 0.7.1's.
 */
export function openResponsesEventProblems(event: unknown): string[] {
  const type = typeOf(event);
  if (typeof type !== 'string') return [`/type: must be a string, is ${JSON.stringify(type)}`];
  const checker = conformanceChecker();
  const openResponses = checker.eventSchema('open-responses', type);
  if (openResponses) return schemaProblems('open-responses', openResponses, event);
  const llamaStack = checker.eventSchema('llama-stack', type);
  if (llamaStack) return schemaProblems('llama-stack', llamaStack, event);
  return [`/type: ${JSON.stringify(type)} is an event type neither Open Responses nor Llama Stack 0.7.1 defines`];
}

/**
 * What breaks the rules of a whole stream, one line each: `sequence_number` is 0, 1, 2, ...; the
 * first event is `response.created`; the last, and only the last, ends the stream
 * (`response.completed` / `.incomplete` / `.failed`, or `error`); every `*.added` has its `*.done`
 * with the same `output_index` / `content_index` / `summary_index` and item id; events about an
 * item name the id of the item added at their `output_index`.
 */
export function responseStreamInvariantProblems(events: readonly unknown[]): string[] {
  if (events.length === 0) return ['the stream has no events'];
  const problems: string[] = [];
  const items = new Map<number, { id: unknown; done: boolean }>();
  const parts = new Map<string, { itemId: unknown; done: boolean; type: string; where: string }>();
  events.forEach((raw, index) => {
    const event = (raw && typeof raw === 'object' ? raw : {}) as ResponseEvent;
    const at = label(index, raw);
    const type = String(event.type);
    if (event.sequence_number !== index) problems.push(`${at}: /sequence_number: must be ${index} (0 for the first event, then one more each), is ${JSON.stringify(event.sequence_number)}`);
    if (index === 0 && type !== 'response.created') problems.push(`${at}: the first event must be response.created`);
    if (index < events.length - 1 && TERMINAL_RESPONSE_EVENTS.has(type)) problems.push(`${at}: ends the stream, but ${events.length - 1 - index} events follow it`);
    if (index === events.length - 1 && !TERMINAL_RESPONSE_EVENTS.has(type)) problems.push(`${at}: the stream ends without response.completed, response.incomplete, response.failed or error`);
    const outputIndex = event.output_index;
    if (typeof outputIndex !== 'number') return;
    if (type === 'response.output_item.added' || type === 'response.output_item.done') {
      const itemId = (event.item as ResponseEvent | null | undefined)?.id;
      const item = items.get(outputIndex);
      if (type.endsWith('.added')) {
        if (item) problems.push(`${at}: /output_index: output item ${outputIndex} was already added`);
        else items.set(outputIndex, { id: itemId, done: false });
      } else if (!item) problems.push(`${at}: /output_index: no response.output_item.added for output_index ${outputIndex}`);
      else if (item.done) problems.push(`${at}: /output_index: output item ${outputIndex} is already done`);
      else {
        if (itemId !== item.id) problems.push(`${at}: /item/id: ${JSON.stringify(itemId)} is not the id added at output_index ${outputIndex} (${JSON.stringify(item.id)})`);
        item.done = true;
      }
      return;
    }
    const item = items.get(outputIndex);
    if (!item) problems.push(`${at}: /output_index: no response.output_item.added for output_index ${outputIndex}`);
    else if (item.done) problems.push(`${at}: /output_index: output item ${outputIndex} is already done`);
    if (!('item_id' in event)) return;
    if (item && event.item_id !== item.id) problems.push(`${at}: /item_id: ${JSON.stringify(event.item_id)} is not the id of output item ${outputIndex} (${JSON.stringify(item.id)})`);
    const pairKind = type.startsWith('response.content_part.') ? 'content_index' : type.startsWith('response.reasoning_summary_part.') ? 'summary_index' : null;
    if (!pairKind || (!type.endsWith('.added') && !type.endsWith('.done'))) return;
    const key = `${type.replace(/\.(added|done)$/, '')} ${outputIndex}/${String(event[pairKind])}`;
    const part = parts.get(key);
    if (type.endsWith('.added')) {
      if (part) problems.push(`${at}: /${pairKind}: part ${String(event[pairKind])} of output item ${outputIndex} was already added`);
      else parts.set(key, { itemId: event.item_id, done: false, type, where: `output_index ${outputIndex}, ${pairKind} ${String(event[pairKind])}` });
    } else if (!part) problems.push(`${at}: /${pairKind}: no ${type.replace(/done$/, 'added')} for output_index ${outputIndex}, ${pairKind} ${String(event[pairKind])}`);
    else if (part.done) problems.push(`${at}: /${pairKind}: part ${String(event[pairKind])} of output item ${outputIndex} is already done`);
    else {
      if (event.item_id !== part.itemId) problems.push(`${at}: /item_id: ${JSON.stringify(event.item_id)} differs from its ${part.type} (${JSON.stringify(part.itemId)})`);
      part.done = true;
    }
  });
  if (typeOf(events[events.length - 1]) === 'response.completed') {
    for (const [outputIndex, item] of items) if (!item.done) problems.push(`output item ${outputIndex} (${JSON.stringify(item.id)}) was added but never done`);
    for (const part of parts.values()) if (!part.done) problems.push(`${part.type} for ${part.where} was never done`);
  }
  return problems;
}

/**
 * Every problem of a stream of Responses events: each event against its schema (see
 * `openResponsesEventProblems`), then the stream's rules (see `responseStreamInvariantProblems`).
 * Each line names the event index and type, the JSON pointer and the schema's message.
 */
export function openResponsesStreamProblems(events: readonly unknown[]): string[] {
  return [...events.flatMap((event, index) => openResponsesEventProblems(event).map((problem) => `${label(index, event)}: ${problem}`)), ...responseStreamInvariantProblems(events)];
}

function fail(what: string, problems: string[]): never {
  throw new Error(`${what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
}

/** Throws, naming each problem, unless `response` is an Open Responses `ResponseResource`. */
export function assertOpenResponsesObject(response: unknown): void {
  const problems = openResponsesObjectProblems(response);
  if (problems.length) fail('not an Open Responses response object', problems);
}

/** Throws, naming each problem (event index, type, JSON pointer, message), unless `events` is a conforming Responses stream. */
export function assertOpenResponsesEvents(events: readonly unknown[]): void {
  const problems = openResponsesStreamProblems(events);
  if (problems.length) fail('not a conforming Open Responses event stream', problems);
}
