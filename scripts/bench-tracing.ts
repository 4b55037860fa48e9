/**
 * `pnpm bench tracing`: the CPU cost of tracing one chat completion in Cria, in a loop in one
 * process (µs per request, median of the rounds): its four spans with their contexts and the
 * upstream's `traceparent`, then the same with the spans encoded to OTLP/protobuf in batches of
 * 512. A loaded server pays this several times over (`pnpm bench gateway` reports the ratio
 * there): this is the work itself, for comparing changes to the tracer and the encoder. On a
 * shared 2-core machine one run can come out up to twice another (the encoding most): compare
 * the medians of several runs.
 *
 * Options: --requests <n> (per round, default 20000), --rounds <n> (default 9).
 */
import { parseArgs } from 'node:util';
import { measureTracingCost } from '../providers/telemetry-meta-reference/test/tracing-cost.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '9' } } });
const cost = await measureTracingCost(Number(values.requests), Number(values.rounds));
const row = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);
console.log(`Cria tracing cost per chat completion (one process, ${values.requests} requests per round, median of ${values.rounds} rounds)\n`);
row('spans, contexts, traceparent', `${cost.spansMicros.toFixed(2)} us`);
row('the same, encoded to OTLP/protobuf (batches of 512)', `${cost.withEncodingMicros.toFixed(2)} us (encoding ${(cost.withEncodingMicros - cost.spansMicros).toFixed(2)} us, ${Math.round(cost.bytesPerRequest)} bytes)`);
