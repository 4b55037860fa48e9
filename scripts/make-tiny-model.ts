// `pnpm exec tsx scripts/make-tiny-model.ts <out.gguf> [--kind chat|embedding] [--embedding-length N]
//   [--layers N] [--feed-forward-length N] [--heads N] [--context-length N] [--type f32|f16|q8_0] [--seed N]`
//
// Writes a random-weight llama GGUF with a byte-level vocabulary and a ChatML chat template (or an
// embedding variant) that llama.cpp loads like any model: what tests and benchmarks run instead of
// downloading one.
import { parseArgs } from 'node:util';
import { writeTinyModel } from '../packages/testing/src/tiny-model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kind: { type: 'string', default: 'chat' },
    'embedding-length': { type: 'string' },
    layers: { type: 'string' },
    'feed-forward-length': { type: 'string' },
    heads: { type: 'string' },
    'context-length': { type: 'string' },
    type: { type: 'string' },
    seed: { type: 'string' },
  },
});
const path = positionals[0];
if (!path || (values.kind !== 'chat' && values.kind !== 'embedding')) {
  console.error('usage: tsx scripts/make-tiny-model.ts <out.gguf> [--kind chat|embedding] [--embedding-length N] [--layers N] [--feed-forward-length N] [--heads N] [--context-length N] [--type f32|f16|q8_0] [--seed N]');
  process.exit(1);
}
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const info = writeTinyModel({
  path,
  kind: values.kind,
  ...(values['embedding-length'] ? { embeddingLength: number(values['embedding-length'])! } : {}),
  ...(values.layers ? { layers: number(values.layers)! } : {}),
  ...(values['feed-forward-length'] ? { feedForwardLength: number(values['feed-forward-length'])! } : {}),
  ...(values.heads ? { heads: number(values.heads)! } : {}),
  ...(values['context-length'] ? { contextLength: number(values['context-length'])! } : {}),
  ...(values.type ? { tensorType: values.type as 'f32' | 'f16' | 'q8_0' } : {}),
  ...(values.seed ? { seed: number(values.seed)! } : {}),
});
console.log(`${info.path}: ${info.kind} model, ${(info.bytes / 1e6).toFixed(2)} MB, ${info.embeddingLength} dimensions, ${info.vocabularySize} tokens, context ${info.contextLength}`);
