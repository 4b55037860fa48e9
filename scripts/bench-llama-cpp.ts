// `pnpm bench llama-cpp [--model path.gguf] [--tokens N] [--runs N] [--threads 1,2]`
//
// Generation speed and time to first token of inline::llama-cpp through the server (the
// `openai` client, streaming) against node-llama-cpp called directly, on the same model with the
// same settings (context size, threads, greedy sampling, one sequence). Without --model it
// generates a random-weight llama model big enough (~50 MB, Q8_0) for compute to dominate.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { startCria } from '@cria/cli';
import { cachedTinyModel } from '@cria/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// node-llama-cpp is the provider's dependency, not the workspace root's: load that very copy.
const nodeLlamaCppPath = createRequire(join(root, 'providers/inference-llama-cpp/package.json')).resolve('node-llama-cpp');
const { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper } = (await import(nodeLlamaCppPath)) as typeof import('../providers/inference-llama-cpp/node_modules/node-llama-cpp/dist/index.js');

process.env.CRIA_LOG_LEVEL ??= 'warn';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    tokens: { type: 'string', default: '128' },
    runs: { type: 'string', default: '7' },
    threads: { type: 'string', default: '1,2' },
    'context-size': { type: 'string', default: '1024' },
  },
});
const tokens = Number(values.tokens);
const runs = Number(values.runs);
const contextSize = Number(values['context-size']);
const threadCounts = values.threads!.split(',').map(Number);
const PROMPT = 'Write a long story about a llama who crosses the Andes to find the sea.';

interface Measure {
  /** Generated tokens per second after the first one (decode speed). */
  tokensPerSecond: number;
  /** Milliseconds from sending the request to the first token. */
  firstTokenMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarize(measures: Measure[]): Measure {
  return { tokensPerSecond: median(measures.map((measure) => measure.tokensPerSecond)), firstTokenMs: median(measures.map((measure) => measure.firstTokenMs)) };
}

/** One generation, timed: `generate` resolves when done and calls `onToken` per token as it comes. */
async function timed(generate: (onToken: (count: number) => void) => Promise<void>): Promise<Measure> {
  const started = performance.now();
  let first = 0;
  let generated = 0;
  await generate((count) => {
    if (!first) first = performance.now();
    generated += count;
  });
  const ended = performance.now();
  return { tokensPerSecond: ((generated - 1) * 1000) / (ended - first), firstTokenMs: first - started };
}

/** node-llama-cpp called directly: the same chat wrapper, context size, threads and sampling the provider uses. */
async function openDirect(modelPath: string, threads: number) {
  const llama = await getLlama({ build: 'never', gpu: false, maxThreads: 0, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize, sequences: 1, threads, batchSize: Math.min(512, contextSize) });
  const sequence = context.getSequence();
  const chatWrapper = resolveChatWrapper(model);
  return {
    run: () =>
      timed(async (onToken) => {
        const chat = new LlamaChat({ contextSequence: sequence, chatWrapper });
        await chat.generateResponse([{ type: 'user', text: PROMPT }, { type: 'model', response: [] }], { maxTokens: tokens, temperature: 0, topP: 1, repeatPenalty: false, onToken: (chunk) => onToken(chunk.length) });
        chat.dispose();
      }),
    close: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}

/** The same model behind Cria's server, asked with the openai client, streaming. */
async function openServer(modelPath: string, threads: number) {
  const distribution = {
    version: 2,
    distro_name: 'bench',
    apis: ['inference', 'models'],
    providers: { inference: [{ provider_id: 'llama', provider_type: 'inline::llama-cpp', config: { models_dir: dirname(modelPath), threads, context_size: contextSize, parallel_sequences: 1, gpu: false, idle_unload_seconds: 0 } }] },
    registered_resources: { models: [{ model_id: 'bench', provider_id: 'llama', provider_model_id: modelPath, model_type: 'llm' }] },
  };
  const cria = await startCria({ distribution: JSON.stringify(distribution), yaml: true, host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `${cria.url}/v1`, apiKey: 'none', maxRetries: 0 });
  return {
    run: () =>
      timed(async (onToken) => {
        const stream = await client.chat.completions.create({ model: 'bench', messages: [{ role: 'user', content: PROMPT }], max_tokens: tokens, temperature: 0, stream: true, store: false });
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) onToken(1);
      }),
    close: () => cria.close(),
  };
}

/**
 * Direct and server runs alternate (after two warm-ups each), so the load of a shared machine
 * weighs on both alike; each side's figure is the median of its runs.
 */
async function compare(modelPath: string, threads: number): Promise<{ direct: Measure; server: Measure }> {
  const direct = await openDirect(modelPath, threads);
  const server = await openServer(modelPath, threads);
  const directRuns: Measure[] = [];
  const serverRuns: Measure[] = [];
  try {
    for (let run = -2; run < runs; run++) {
      const directMeasure = await direct.run();
      const serverMeasure = await server.run();
      if (run >= 0) {
        directRuns.push(directMeasure);
        serverRuns.push(serverMeasure);
      }
    }
  } finally {
    await server.close();
    await direct.close();
  }
  return { direct: summarize(directRuns), server: summarize(serverRuns) };
}

const modelPath =
  values.model ??
  cachedTinyModel({ kind: 'chat', embeddingLength: 768, layers: 6, feedForwardLength: 2048, heads: 12, tensorType: 'q8_0', contextLength: 4096, seed: 7, name: 'cria-bench' });
console.log(`model ${modelPath}\n${tokens} tokens per run, median of ${runs} alternating runs (after two warm-ups), context ${contextSize}, greedy\n`);

const rows: string[][] = [['threads', 'direct tok/s', 'server tok/s', 'server/direct', 'overhead', 'direct TTFT ms', 'server TTFT ms', 'added TTFT ms']];
const results: { threads: number; direct: Measure; server: Measure }[] = [];
for (const threads of threadCounts) {
  const { direct: directMeasure, server: serverMeasure } = await compare(modelPath, threads);
  results.push({ threads, direct: directMeasure, server: serverMeasure });
  const ratio = serverMeasure.tokensPerSecond / directMeasure.tokensPerSecond;
  rows.push([
    String(threads),
    directMeasure.tokensPerSecond.toFixed(1),
    serverMeasure.tokensPerSecond.toFixed(1),
    ratio.toFixed(3),
    `${((1 - ratio) * 100).toFixed(1)}%`,
    directMeasure.firstTokenMs.toFixed(1),
    serverMeasure.firstTokenMs.toFixed(1),
    (serverMeasure.firstTokenMs - directMeasure.firstTokenMs).toFixed(1),
  ]);
}
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
console.log(rows.map((row) => row.map((cell, column) => cell.padStart(widths[column]!)).join('  ')).join('\n'));
const fastest = results.reduce((best, result) => (result.direct.tokensPerSecond > best.direct.tokensPerSecond ? result : best));
const worstOverhead = Math.max(...results.map((result) => 1 - result.server.tokensPerSecond / result.direct.tokensPerSecond));
const worstAdded = Math.max(...results.map((result) => result.server.firstTokenMs - result.direct.firstTokenMs));
console.log(`\nfastest thread count here: ${fastest.threads} (${fastest.direct.tokensPerSecond.toFixed(1)} tok/s direct)`);
console.log(`generation overhead ≤ 5%: ${worstOverhead <= 0.05 ? 'yes' : 'NO'} (worst ${(worstOverhead * 100).toFixed(1)}%); added time to first token ≤ 5 ms: ${worstAdded <= 5 ? 'yes' : 'NO'} (worst ${worstAdded.toFixed(1)} ms)`);
