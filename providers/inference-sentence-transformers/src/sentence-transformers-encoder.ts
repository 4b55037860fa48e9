import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { externalDataChunks, loadTransformers } from '@cria/transformers-runtime';

/** The files transformers.js reads from a model folder (an ONNX export as Optimum writes it). */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

/** Texts run through the model together; a longer input list is encoded in several passes. */
const BATCH_SIZE = 16;

/** sentence-transformers' pooling modes (1_Pooling/config.json), in the order it concatenates them. */
const POOLING_MODES = ['cls_token', 'max_tokens', 'mean_tokens', 'mean_sqrt_len_tokens', 'lasttoken'] as const;
export type PoolingMode = (typeof POOLING_MODES)[number];

/** How a model turns token vectors into one vector, read from its sentence-transformers files. */
export interface SentencePipeline {
  pooling: PoolingMode[];
  normalize: boolean;
  /** sentence_bert_config.json's max_seq_length, if any. */
  maxSequenceLength: number | null;
}

/** A loaded embedding model. */
export interface SentenceEncoder {
  readonly dimension: number;
  /** One vector per text, and the tokens the texts came to; stops between batches once `signal` aborts. */
  encode(texts: readonly string[], signal?: AbortSignal): Promise<{ vectors: Float32Array[]; tokens: number }>;
  dispose(): Promise<void>;
}

/** The model files missing from `folder`, relative to it. */
export function missingModelFiles(folder: string): string[] {
  return MODEL_FILES.filter((file) => !existsSync(join(folder, file)));
}

function readJson(path: string): Record<string, unknown> | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
}

/**
 * The modules sentence-transformers would build for `folder`: modules.json's Pooling (with its
 * config) and Normalize; without modules.json, mean pooling unnormalized, as sentence-transformers
 * does for a plain transformers model. Throws for modules it has and this cannot run (Dense, …).
 */
export function readSentencePipeline(folder: string): SentencePipeline {
  const modules = readJson(join(folder, 'modules.json')) as unknown as { type?: string; path?: string }[] | null;
  const sentenceConfig = readJson(join(folder, 'sentence_bert_config.json'));
  const maxSequenceLength = typeof sentenceConfig?.max_seq_length === 'number' ? sentenceConfig.max_seq_length : null;
  if (!modules) return { pooling: ['mean_tokens'], normalize: false, maxSequenceLength };
  let pooling: PoolingMode[] = ['mean_tokens'];
  let normalize = false;
  for (const module of modules) {
    const kind = String(module.type ?? '').split('.').at(-1);
    if (kind === 'Transformer') continue;
    if (kind === 'Normalize') normalize = true;
    else if (kind === 'Pooling') {
      const poolingConfig = readJson(join(folder, module.path ?? '1_Pooling', 'config.json')) ?? {};
      pooling = POOLING_MODES.filter((mode) => poolingConfig[`pooling_mode_${mode}`] === true);
      if (pooling.length === 0) throw new Error(`${join(folder, module.path ?? '1_Pooling', 'config.json')} enables no pooling mode this provider runs (${POOLING_MODES.join(', ')})`);
    } else throw new Error(`modules.json has a ${module.type} module, which this provider cannot run (only Transformer, Pooling and Normalize)`);
  }
  return { pooling, normalize, maxSequenceLength };
}

/** Pools one text's token vectors (`hidden` × `width`, row by row) over its `kept` tokens. */
export function poolTokens(hidden: Float32Array, width: number, kept: readonly boolean[], pipeline: Pick<SentencePipeline, 'pooling' | 'normalize'>): Float32Array {
  const tokens = kept.flatMap((keep, index) => (keep ? [index] : []));
  const parts: Float32Array[] = [];
  for (const mode of pipeline.pooling) {
    const pooled = new Float32Array(width);
    if (mode === 'cls_token' || mode === 'lasttoken') {
      const token = mode === 'cls_token' ? 0 : (tokens.at(-1) ?? 0);
      pooled.set(hidden.subarray(token * width, (token + 1) * width));
    } else if (mode === 'max_tokens') {
      pooled.fill(-Infinity);
      for (const token of tokens) for (let dim = 0; dim < width; dim++) pooled[dim] = Math.max(pooled[dim]!, hidden[token * width + dim]!);
    } else {
      for (const token of tokens) for (let dim = 0; dim < width; dim++) pooled[dim]! += hidden[token * width + dim]!;
      const divisor = mode === 'mean_tokens' ? Math.max(tokens.length, 1e-9) : Math.sqrt(Math.max(tokens.length, 1e-9));
      for (let dim = 0; dim < width; dim++) pooled[dim]! /= divisor;
    }
    parts.push(pooled);
  }
  const vector = new Float32Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    vector.set(part, offset);
    offset += part.length;
  }
  if (pipeline.normalize) {
    // As torch.nn.functional.normalize: divide by max(‖v‖, 1e-12).
    const norm = Math.max(Math.hypot(...vector), 1e-12);
    for (let dim = 0; dim < vector.length; dim++) vector[dim]! /= norm;
  }
  return vector;
}



interface TensorLike {
  data: ArrayLike<number | bigint>;
  dims: number[];
}

/**
 * Loads the embedding model in `folder` with transformers.js on onnxruntime-node, on the CPU with
 * one thread. Never downloads: a missing file fails.
 */
export async function loadSentenceEncoder(folder: string): Promise<SentenceEncoder> {
  const pipeline = readSentencePipeline(folder);
  const { AutoModel, AutoTokenizer, env } = await loadTransformers();
  // An absolute folder is read as it is; the models folder is also set as the local model path.
  env.localModelPath = dirname(folder);
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const chunks = externalDataChunks(folder);
  const model = await AutoModel.from_pretrained(folder, {
    local_files_only: true,
    ...(chunks ? { use_external_data_format: chunks } : {}),
    device: 'cpu',
    dtype: 'fp32',
    session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
  const config = model.config as unknown as Record<string, unknown>;
  const width = Number(config.hidden_size ?? config.n_embd ?? config.d_model);
  if (!Number.isInteger(width) || width <= 0) throw new Error(`${join(folder, 'config.json')} gives no hidden_size`);
  const limits = [Number(tokenizer.model_max_length), Number(config.max_position_embeddings ?? config.n_positions), pipeline.maxSequenceLength ?? Infinity].filter((limit) => Number.isFinite(limit) && limit > 0);
  const maxLength = limits.length ? Math.min(...limits) : 512;

  return {
    dimension: width * pipeline.pooling.length,
    async encode(texts: readonly string[], signal?: AbortSignal) {
      const vectors: Float32Array[] = [];
      let tokens = 0;
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        signal?.throwIfAborted();
        const batch = texts.slice(start, start + BATCH_SIZE);
        const inputs = tokenizer(batch as string[], { padding: true, truncation: true, max_length: maxLength }) as Record<string, TensorLike>;
        const outputs = (await model(inputs)) as Record<string, TensorLike>;
        const hidden = outputs.last_hidden_state ?? outputs.token_embeddings ?? Object.values(outputs).find((output) => output.dims.length === 3);
        if (!hidden || hidden.dims.at(-1) !== width) throw new Error(`the model gives no token vectors of width ${width} (outputs ${Object.keys(outputs).join(', ')})`);
        const mask = inputs.attention_mask!;
        const length = mask.dims[1]!;
        const values = Float32Array.from(hidden.data as ArrayLike<number>);
        for (let row = 0; row < batch.length; row++) {
          const kept = Array.from({ length }, (_, token) => Number(mask.data[row * length + token]) === 1);
          tokens += kept.filter(Boolean).length;
          vectors.push(poolTokens(values.subarray(row * length * width, (row + 1) * length * width), width, kept, pipeline));
        }
      }
      return { vectors, tokens };
    },
    async dispose(): Promise<void> {
      await model.dispose();
    },
  };
}
