import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { externalDataChunks, loadTransformers } from '@cria/transformers-runtime';

/** The files transformers.js reads from a model folder (an ONNX export as Optimum writes it). */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

/** Pairs run through the model together. */
const BATCH_SIZE = 8;
/** Llama Stack's limit for a Qwen3 reranker prompt. */
const CAUSAL_MAX_LENGTH = 8192;

/** Llama Stack's instruction and prompt for Qwen3 rerankers (a causal LM asked "yes" or "no"). */
export const DEFAULT_RERANKER_INSTRUCTION = 'Given the search query, retrieve relevant passages that answer the query';
export const CAUSAL_RERANKER_PREFIX =
  '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n';
export const CAUSAL_RERANKER_SUFFIX = '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';

export function causalRerankerPair(query: string, document: string, instruction = DEFAULT_RERANKER_INSTRUCTION): string {
  return `<Instruct>: ${instruction}\n<Query>: ${query}\n<Document>: ${document}`;
}

/** How a reranker folder scores: a cross-encoder (…ForSequenceClassification) or a yes/no causal LM (…ForCausalLM, Qwen3-Reranker). */
export type RerankerKind = 'cross-encoder' | 'causal-lm';

/** A loaded reranker. */
export interface Reranker {
  readonly kind: RerankerKind;
  /** The relevance of each document to the query, in [0, 1]; stops between batches once `signal` aborts. */
  score(query: string, documents: readonly string[], signal?: AbortSignal): Promise<number[]>;
  dispose(): Promise<void>;
}

/** The model files missing from `folder`, relative to it. */
export function missingModelFiles(folder: string): string[] {
  return MODEL_FILES.filter((file) => !existsSync(join(folder, file)));
}

/** The kind of reranker config.json describes; throws for a model that is neither. */
export function rerankerKind(folder: string): RerankerKind {
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as { architectures?: string[] };
  const architectures = config.architectures ?? [];
  if (architectures.some((name) => name.endsWith('ForSequenceClassification'))) return 'cross-encoder';
  if (architectures.some((name) => name.endsWith('ForCausalLM'))) return 'causal-lm';
  throw new Error(`config.json's architectures (${architectures.join(', ') || 'none'}) are neither a cross-encoder (…ForSequenceClassification) nor a yes/no reranker LM (…ForCausalLM)`);
}

export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}



interface TensorLike {
  data: ArrayLike<number | bigint>;
  dims: number[];
}

const MODEL_OPTIONS = { local_files_only: true, device: 'cpu', dtype: 'fp32', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } } as const;

/**
 * Loads the reranker in `folder` with transformers.js on onnxruntime-node (CPU, one thread,
 * never downloading). A cross-encoder scores sigmoid(logit) with one label (as
 * sentence-transformers' CrossEncoder), else the softmax probability of the last label; a
 * Qwen3-style LM scores P(yes) against P(no) after Llama Stack's prompt.
 */
export async function loadReranker(folder: string): Promise<Reranker> {
  const kind = rerankerKind(folder);
  const { AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer, Tensor, env } = await loadTransformers();
  env.localModelPath = dirname(folder);
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const chunks = externalDataChunks(folder);
  const options = { ...MODEL_OPTIONS, ...(chunks ? { use_external_data_format: chunks } : {}) };
  if (kind === 'cross-encoder') {
    const model = await AutoModelForSequenceClassification.from_pretrained(folder, options);
    const maxLength = Math.min(Number(tokenizer.model_max_length) || 512, Number((model.config as unknown as Record<string, unknown>).max_position_embeddings) || 512);
    return {
      kind,
      async score(query, documents, signal) {
        const scores: number[] = [];
        for (let start = 0; start < documents.length; start += BATCH_SIZE) {
          signal?.throwIfAborted();
          const batch = documents.slice(start, start + BATCH_SIZE);
          const inputs = tokenizer(new Array<string>(batch.length).fill(query), { text_pair: batch as string[], padding: true, truncation: true, max_length: maxLength });
          const { logits } = (await model(inputs)) as { logits: TensorLike };
          const labels = logits.dims.at(-1)!;
          for (let row = 0; row < batch.length; row++) {
            const values = Array.from(logits.data as ArrayLike<number>).slice(row * labels, (row + 1) * labels);
            scores.push(labels === 1 ? sigmoid(values[0]!) : softmax(values).at(-1)!);
          }
        }
        return scores;
      },
      async dispose() {
        await model.dispose();
      },
    };
  }

  const model = await AutoModelForCausalLM.from_pretrained(folder, options);
  const tokenIds = (text: string) => tokenizer.encode(text, { add_special_tokens: false });
  const [yes] = tokenIds('yes');
  const [no] = tokenIds('no');
  if (yes === undefined || no === undefined || yes === no) throw new Error('the tokenizer has no distinct "yes" and "no" tokens, which a yes/no reranker needs');
  const prefix = tokenIds(CAUSAL_RERANKER_PREFIX);
  const suffix = tokenIds(CAUSAL_RERANKER_SUFFIX);
  const pairLimit = CAUSAL_MAX_LENGTH - prefix.length - suffix.length;
  const padId = Number(tokenizer.pad_token_id ?? 0);
  return {
    kind,
    async score(query, documents, signal) {
      const scores: number[] = [];
      for (let start = 0; start < documents.length; start += BATCH_SIZE) {
        signal?.throwIfAborted();
        const batch = documents.slice(start, start + BATCH_SIZE);
        const sequences = batch.map((document) => [...prefix, ...tokenIds(causalRerankerPair(query, document)).slice(0, pairLimit), ...suffix]);
        const width = Math.max(...sequences.map((sequence) => sequence.length));
        // Left padding, as Llama Stack's tokenizer: every sequence's last token is the last position.
        const ids = sequences.flatMap((sequence) => [...new Array<number>(width - sequence.length).fill(padId), ...sequence]);
        const mask = sequences.flatMap((sequence) => [...new Array<number>(width - sequence.length).fill(0), ...new Array<number>(sequence.length).fill(1)]);
        const inputs = {
          input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [batch.length, width]),
          attention_mask: new Tensor('int64', BigInt64Array.from(mask.map(BigInt)), [batch.length, width]),
        };
        const { logits } = (await model(inputs)) as { logits: TensorLike };
        const [, positions, vocabulary] = logits.dims as [number, number, number];
        for (let row = 0; row < batch.length; row++) {
          const last = (row * positions + positions - 1) * vocabulary;
          scores.push(softmax([Number(logits.data[last + no]), Number(logits.data[last + yes])])[1]!);
        }
      }
      return scores;
    },
    async dispose() {
      await model.dispose();
    },
  };
}

export function softmax(logits: readonly number[]): number[] {
  const highest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - highest));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}
