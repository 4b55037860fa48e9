/**
 * `pnpm bench sse`: the cost of parsing an upstream's server-sent events, per event, for the
 * parser @cria/provider-utils ships (`parseSse`, on eventsource-parser) against the hand-written
 * parser it replaced (kept below as the baseline). The stream is a realistic chat completion:
 * hundreds of small `data: {...}` chunks (one token each, some multi-byte text), a few large
 * events (a long tool call, a logprobs-heavy chunk), the usage chunk and `data: [DONE]`. It is
 * read three ways: one event per read (token-by-token streaming), split at arbitrary byte
 * boundaries (across lines and multi-byte characters), and in 16 KB reads (a burst).
 *
 * Options: --events <n> (small events per stream, default 600), --rounds <n> (timed rounds, 7),
 * --iterations <n> (streams parsed per round, 200).
 */
import { parseArgs } from 'node:util';
import { parseSse } from '@cria/provider-utils';
import { seededRandom } from '@cria/testing';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '7' },
    iterations: { type: 'string', default: '200' },
  },
});
const SMALL_EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const ITERATIONS = Number(values.iterations);

/** The hand-written parser provider-utils used before eventsource-parser: the baseline. */
async function* handWrittenParseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    if (buffer.includes('\r')) buffer = buffer.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = handWrittenEventData(event);
      if (data !== undefined) yield data;
    }
  }
  buffer += decoder.decode();
  const data = handWrittenEventData(buffer.trim());
  if (data !== undefined) yield data;
}

function handWrittenEventData(event: string): string | undefined {
  if (!event) return undefined;
  let data: string | undefined;
  for (const line of event.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

const WORDS = ['The', ' llama', ' climbed', ' the', ' Andes', ',', ' café', ' au', ' lait', ' in', ' hand', ' 🦙', '.', ' Then', ' it', ' rested', '\n'];

/** The events of one streamed chat completion, as vLLM or OpenAI send them. */
function chatStreamEvents(random: () => number): string[] {
  const base = { id: 'chatcmpl-5f1c0a9e8b7d4c3a', object: 'chat.completion.chunk', created: 1_760_000_000, model: 'meta-llama/Llama-3.1-8B-Instruct', system_fingerprint: 'fp_44709d6fcb' };
  const events: string[] = [JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })];
  const large = new Set([Math.floor(SMALL_EVENTS / 4), Math.floor(SMALL_EVENTS / 2), Math.floor((3 * SMALL_EVENTS) / 4)]);
  for (let index = 0; index < SMALL_EVENTS; index++) {
    if (large.has(index)) {
      // A tool call's arguments sent whole (~48 KB), or a chunk carrying top logprobs for many tokens (~40 KB).
      const big =
        index === Math.floor(SMALL_EVENTS / 2)
          ? { index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'write_report', arguments: JSON.stringify({ text: 'lorem ipsum dolor sit amet '.repeat(1800) }) } }] }, logprobs: null, finish_reason: null }
          : { index: 0, delta: { content: ' ok' }, logprobs: { content: Array.from({ length: 120 }, (_, token) => ({ token: ` t${token}`, logprob: -random(), bytes: [32, 116], top_logprobs: Array.from({ length: 5 }, (__, rank) => ({ token: ` alt${rank}`, logprob: -1 - random(), bytes: [32, 97] })) })) }, finish_reason: null };
      events.push(JSON.stringify({ ...base, choices: [big] }));
    } else {
      events.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: WORDS[Math.floor(random() * WORDS.length)] }, logprobs: null, finish_reason: null }] }));
    }
  }
  events.push(JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
  events.push(JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 42, completion_tokens: SMALL_EVENTS, total_tokens: 42 + SMALL_EVENTS } }));
  events.push('[DONE]');
  return events;
}

/** How the bytes of the stream arrive: the reads a parser is fed. */
function readsOf(events: readonly string[], split: 'event' | 'arbitrary' | 'burst', random: () => number): Uint8Array[] {
  const encoder = new TextEncoder();
  if (split === 'event') return events.map((data) => encoder.encode(`data: ${data}\n\n`));
  const whole = encoder.encode(events.map((data) => `data: ${data}\n\n`).join(''));
  const reads: Uint8Array[] = [];
  for (let offset = 0; offset < whole.length; ) {
    // Arbitrary: 1 to 400 bytes, cutting lines, `data:` prefixes and multi-byte characters anywhere.
    const size = split === 'burst' ? 16 * 1024 : 1 + Math.floor(random() * 400);
    reads.push(whole.subarray(offset, offset + size));
    offset += size;
  }
  return reads;
}

async function* replay(reads: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const read of reads) yield read;
}

type Parser = (body: AsyncIterable<Uint8Array>) => AsyncGenerator<string>;

async function parseAll(parser: Parser, reads: readonly Uint8Array[]): Promise<string[]> {
  const events: string[] = [];
  for await (const data of parser(replay(reads))) events.push(data);
  return events;
}

/** The median over rounds of the time per event, in microseconds. */
async function microsecondsPerEvent(parser: Parser, reads: readonly Uint8Array[], eventCount: number): Promise<number> {
  for (let warmup = 0; warmup < Math.max(10, ITERATIONS / 4); warmup++) await parseAll(parser, reads);
  const perEvent: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let iteration = 0; iteration < ITERATIONS; iteration++) await parseAll(parser, reads);
    perEvent.push(Number(process.hrtime.bigint() - started) / 1000 / (ITERATIONS * eventCount));
  }
  perEvent.sort((a, b) => a - b);
  return perEvent[Math.floor(perEvent.length / 2)]!;
}

async function main(): Promise<void> {
  const random = seededRandom(7);
  const events = chatStreamEvents(random);
  const bytes = events.reduce((total, data) => total + Buffer.byteLength(data) + 8, 0);
  console.log(`SSE benchmark: ${events.length} events (${SMALL_EVENTS} small, 3 large), ${(bytes / 1024).toFixed(0)} KB per stream, median of ${ROUNDS} rounds × ${ITERATIONS} streams`);
  const parsers: [string, Parser][] = [
    ['eventsource-parser (parseSse)', (body) => parseSse(body)],
    ['hand-written (baseline)', handWrittenParseSse],
  ];
  const rows: string[][] = [['reads', 'parser', 'µs/event', 'ratio']];
  for (const split of ['event', 'arbitrary', 'burst'] as const) {
    const reads = readsOf(events, split, random);
    const results: number[] = [];
    for (const [name, parser] of parsers) {
      const parsed = await parseAll(parser, reads);
      if (parsed.length !== events.length || parsed.some((data, index) => data !== events[index])) throw new Error(`${name} misread the ${split} stream`);
      results.push(await microsecondsPerEvent(parser, reads, events.length));
    }
    const label = { event: 'one event per read', arbitrary: `arbitrary (${reads.length} reads)`, burst: `16 KB reads (${reads.length})` }[split];
    parsers.forEach(([name], index) => rows.push([index === 0 ? label : '', name, results[index]!.toFixed(3), (results[index]! / results[1]!).toFixed(2)]));
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log('');
  rows.forEach((row, position) => {
    console.log(row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    if (position === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  });
  console.log('');
  console.log('ratio: time per event relative to the hand-written baseline (below 1 is faster).');
}

await main();
