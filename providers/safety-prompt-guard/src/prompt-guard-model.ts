import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTransformers } from '@cria/transformers-runtime';

/** The files transformers.js reads from a model folder (an ONNX export as Optimum writes it). */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

/** Prompt Guard was trained on 512 tokens; a longer text is judged in segments. */
const MAX_TOKENS = 512;
/** Characters per segment, as Meta's Prompt Guard helpers split long texts; each is also truncated at MAX_TOKENS. */
const SEGMENT_CHARACTERS = 512;
/** Llama Stack's softmax temperature. */
const TEMPERATURE = 1;

/** A loaded Prompt Guard model: the labels of its classes and a way to score texts. */
export interface PromptGuardClassifier {
  /** The model's class labels by index, from config.json's id2label, upper-cased. */
  readonly labels: readonly string[];
  /** The class probabilities of each segment of `text` (one segment for up to 512 characters); stops between segments once `signal` aborts. */
  classify(text: string, signal?: AbortSignal): Promise<number[][]>;
  dispose(): Promise<void>;
}

/** The model files missing from `folder`, relative to it. */
export function missingModelFiles(folder: string): string[] {
  return MODEL_FILES.filter((file) => !existsSync(join(folder, file)));
}

/** Splits a text into the segments judged one by one (an empty text is one empty segment). */
export function textSegments(text: string): string[] {
  if (text.length <= SEGMENT_CHARACTERS) return [text];
  // By code points, so no segment ends in half a surrogate pair.
  const characters = Array.from(text);
  const segments: string[] = [];
  for (let start = 0; start < characters.length; start += SEGMENT_CHARACTERS) segments.push(characters.slice(start, start + SEGMENT_CHARACTERS).join(''));
  return segments;
}

export function softmax(logits: ArrayLike<number>, temperature = TEMPERATURE): number[] {
  const scaled = Array.from(logits, (logit) => logit / temperature);
  const highest = Math.max(...scaled);
  const exponentials = scaled.map((value) => Math.exp(value - highest));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}


/**
 * Loads the model in `folder` with transformers.js on onnxruntime-node, on the CPU with one
 * thread. Never downloads: a missing file fails. Throws when the files do not make a sequence
 * classifier whose outputs match its id2label.
 */
export async function loadPromptGuardClassifier(folder: string): Promise<PromptGuardClassifier> {
  const { AutoModelForSequenceClassification, AutoTokenizer, env } = await loadTransformers();
  // The folder is given as an absolute path, which transformers.js reads as it is; the models
  // folder is also set as its local model path, so a bare model id could only resolve there.
  env.localModelPath = dirname(folder);
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const model = await AutoModelForSequenceClassification.from_pretrained(folder, {
    local_files_only: true,
    device: 'cpu',
    dtype: 'fp32',
    session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
  const id2label = (model.config as { id2label?: Record<string, string> }).id2label ?? {};
  const labels = Object.keys(id2label)
    .sort((left, right) => Number(left) - Number(right))
    .map((index) => String(id2label[index]).toUpperCase());
  const maxLength = Math.min(Number(tokenizer.model_max_length) || MAX_TOKENS, MAX_TOKENS);

  return {
    labels,
    async classify(text: string, signal?: AbortSignal): Promise<number[][]> {
      const probabilities: number[][] = [];
      for (const segment of textSegments(text)) {
        signal?.throwIfAborted();
        const inputs = tokenizer(segment, { truncation: true, max_length: maxLength });
        const { logits } = (await model(inputs)) as { logits: { data: Float32Array; dims: number[] } };
        if (logits.dims.at(-1) !== labels.length) throw new Error(`the model gives ${logits.dims.at(-1)} logits but its config.json names ${labels.length} labels`);
        probabilities.push(softmax(logits.data));
      }
      return probabilities;
    },
    async dispose(): Promise<void> {
      await model.dispose();
    },
  };
}
