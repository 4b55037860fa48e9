/** The fake OpenAI upstream as a process of its own, for benchmarks: prints its URL and serves until killed. */
import { parseArgs } from 'node:util';
import { FakeOpenAIUpstream } from '@cria/testing';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const upstream = await FakeOpenAIUpstream.start({ record: false, port: Number(values.port) });
console.log(`fake upstream listening on ${upstream.url}`);
process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
